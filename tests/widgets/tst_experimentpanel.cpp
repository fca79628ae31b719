#include "grab.h"
#include "testdata.h"
#include "widgets/experimentpanel.h"
#include "widgets/yamledit.h"

#include <QFile>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSignalSpy>
#include <QSpinBox>
#include <QTabWidget>
#include <QtTest>

using retort::widgets::ExperimentPanel;
using retort::widgets::setYamlValue;

class TestExperimentPanel : public QObject
{
    Q_OBJECT

private slots:
    void setsYamlValues_data();
    void setsYamlValues();
    void flagsBadKeyWithLine();
    void formEditsYaml();
    void wheelScrollsInsteadOfEditing();

private:
    QString defaultYaml() const;
};

QString TestExperimentPanel::defaultYaml() const
{
    QFile f(QStringLiteral(RETORT_SOURCE_DIR "/experiments/shapes-quick.yaml"));
    if (!f.open(QIODevice::ReadOnly))
        return {};
    return QString::fromUtf8(f.readAll());
}

void TestExperimentPanel::setsYamlValues_data()
{
    QTest::addColumn<QString>("text");
    QTest::addColumn<QString>("key");
    QTest::addColumn<QString>("value");
    QTest::addColumn<QString>("expected");
    QTest::newRow("block scalar, comment kept")
        << "train:\n  epochs: 8 # per arm\n  batch: 16\n" << "train.epochs" << "20"
        << "train:\n  epochs: 20 # per arm\n  batch: 16\n";
    QTest::newRow("flow map member")
        << "distill:\n  logit: {weight: 1.0, temperature: 2.0} # kd\n" << "distill.logit.temperature" << "4"
        << "distill:\n  logit: {weight: 1.0, temperature: 4} # kd\n";
    QTest::newRow("missing key in flow map")
        << "distill:\n  loc: {weight: 0.5}\n" << "distill.loc.temperature" << "2"
        << "distill:\n  loc: {weight: 0.5, temperature: 2}\n";
    QTest::newRow("missing key in block map")
        << "name: x\ntrain:\n  epochs: 8\n" << "train.seed" << "3"
        << "name: x\ntrain:\n  seed: 3\n  epochs: 8\n";
    QTest::newRow("missing section")
        << "name: x\n" << "distill.feature.type" << "mse"
        << "distill:\n  feature:\n    type: mse\nname: x\n";
    QTest::newRow("flow list")
        << "arms: [baseline, logit] # the study\n" << "arms" << "[baseline, logit+loc]"
        << "arms: [baseline, logit+loc] # the study\n";
    QTest::newRow("quoted string")
        << "data: \"a b.yaml\"\n" << "data" << "c.yaml" << "data: c.yaml\n";
    QTest::newRow("malformed text untouched")
        << "train: [\n" << "train.epochs" << "3" << "train: [\n";
}

void TestExperimentPanel::setsYamlValues()
{
    QFETCH(QString, text);
    QFETCH(QString, key);
    QFETCH(QString, value);
    QFETCH(QString, expected);
    QCOMPARE(setYamlValue(text, key.split('.'), value), expected);
}

void TestExperimentPanel::flagsBadKeyWithLine()
{
    const QString yaml = defaultYaml();
    QVERIFY(!yaml.isEmpty());
    ExperimentPanel panel;
    QSignalSpy validity(&panel, &ExperimentPanel::validityChanged);
    panel.setYaml(yaml, QStringLiteral("shapes-quick.yaml"));
    QVERIFY2(panel.isValid(), qPrintable(panel.errorText()));
    QCOMPARE(panel.config().name, std::string("shapes-quick"));
    QCOMPARE(validity.count(), 1);
    QCOMPARE(validity.last().at(0).toBool(), true);

    // A misspelt training key on line 24 ("epochs" is on 23 in the embedded experiment).
    QStringList lines = yaml.split('\n');
    const int epochsLine = static_cast<int>(lines.indexOf(QRegularExpression("^  epochs:.*"))) + 1;
    QVERIFY(epochsLine > 1);
    lines.insert(epochsLine, QStringLiteral("  epohcs: 5"));
    panel.editor()->setPlainText(lines.join('\n'));
    // Validation waits for a pause in typing.
    QVERIFY(panel.isValid());
    QTRY_VERIFY_WITH_TIMEOUT(!panel.isValid(), 2000);
    QCOMPARE(validity.last().at(0).toBool(), false);
    QCOMPARE(panel.errorLine(), epochsLine + 1);
    QVERIFY2(panel.errorText().startsWith(QString("shapes-quick.yaml:%1:").arg(epochsLine + 1)), qPrintable(panel.errorText()));
    QVERIFY(panel.errorText().contains("epohcs"));
    const auto marks = panel.editor()->extraSelections();
    QCOMPARE(marks.size(), 1);
    QCOMPARE(marks.front().cursor.blockNumber(), epochsLine);
    QVERIFY(panel.findChild<QLabel*>() != nullptr);

    // A bad value names its key: the form field shows it too.
    lines.removeAt(epochsLine);
    lines[epochsLine - 1] = QStringLiteral("  epochs: many");
    panel.editor()->setPlainText(lines.join('\n'));
    panel.validate();
    QVERIFY(!panel.isValid());
    QCOMPARE(panel.errorLine(), epochsLine);
    QVERIFY(!panel.fieldFor("train.epochs")->styleSheet().isEmpty());
    QVERIFY(panel.fieldFor("train.batch")->styleSheet().isEmpty());

    panel.editor()->setPlainText(yaml);
    QTRY_VERIFY_WITH_TIMEOUT(panel.isValid(), 2000);
    QVERIFY(panel.editor()->extraSelections().isEmpty());
    QVERIFY(panel.fieldFor("train.epochs")->styleSheet().isEmpty());
}

void TestExperimentPanel::formEditsYaml()
{
    ExperimentPanel panel;
    panel.resize(460, 760);
    panel.setYaml(defaultYaml(), QStringLiteral("shapes-quick.yaml"));
    QVERIFY(panel.isValid());
    auto* epochs = qobject_cast<QSpinBox*>(panel.fieldFor("train.epochs"));
    QVERIFY(epochs);
    QCOMPARE(epochs->value(), 8);
    epochs->setValue(20);
    QVERIFY(panel.yaml().contains("  epochs: 20 # epochs per arm"));
    QCOMPARE(panel.config().train.epochs, 20);
    // Everything else, comments included, is as it was.
    QCOMPARE(panel.yaml().count('#'), defaultYaml().count('#'));

    auto* tau = qobject_cast<QDoubleSpinBox*>(panel.fieldFor("distill.feature.cwd.tau"));
    tau->setValue(2.5);
    QCOMPARE(panel.config().distill.feature.tau, 2.5);
    auto* arms = qobject_cast<QLineEdit*>(panel.fieldFor("arms"));
    arms->setText("baseline, logit+loc+cwd");
    emit arms->editingFinished();
    QCOMPARE(panel.config().arms, (std::vector<std::string>{"baseline", "logit+loc+cwd"}));

    QSignalSpy run(&panel, &ExperimentPanel::runRequested);
    QPushButton* runButton = panel.findChild<QPushButton*>();
    QVERIFY(runButton && runButton->isEnabled());
    runButton->click();
    QCOMPARE(run.count(), 1);
    retort::test::grabIfAsked(panel, "gui-a-experimentpanel-form");

    panel.editor()->setPlainText(panel.yaml().replace("  batch: 16", "  batch: 16\n  bacth: 4"));
    panel.validate();
    QVERIFY(!runButton->isEnabled());
    panel.tabs()->setCurrentIndex(1);
    retort::test::grabIfAsked(panel, "gui-a-experimentpanel-yaml");
}

void TestExperimentPanel::wheelScrollsInsteadOfEditing()
{
    ExperimentPanel panel;
    panel.resize(460, 300);
    panel.setYaml(defaultYaml(), QStringLiteral("shapes-quick.yaml"));
    panel.show();
    QVERIFY(QTest::qWaitForWindowExposed(&panel));
    auto* batch = qobject_cast<QSpinBox*>(panel.fieldFor("train.batch"));
    QVERIFY(batch);
    const int before = batch->value();
    const QString yaml = panel.yaml();
    const auto wheel = [&] {
        const QPointF at(batch->width() / 2.0, batch->height() / 2.0);
        QWheelEvent e(at, batch->mapToGlobal(at), QPoint(), QPoint(0, -120), Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase,
                      false);
        QCoreApplication::sendEvent(batch, &e);
    };
    wheel();
    QCOMPARE(batch->value(), before); // passing over the form does not edit it
    QCOMPARE(panel.yaml(), yaml);
    panel.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&panel));
    batch->setFocus();
    QTRY_VERIFY(batch->hasFocus());
    wheel();
    QCOMPARE(batch->value(), before - 1); // a focused field still takes the wheel
}

QTEST_MAIN(TestExperimentPanel)
#include "tst_experimentpanel.moc"
