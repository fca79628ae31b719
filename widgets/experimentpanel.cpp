#include "widgets/experimentpanel.h"

#include "util/error.h"
#include "widgets/yamledit.h"

#include <QComboBox>
#include <QCompleter>
#include <QCoreApplication>
#include <QDir>
#include <QDoubleSpinBox>
#include <QFileInfo>
#include <QFontDatabase>
#include <QFormLayout>
#include <QGroupBox>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QRegularExpression>
#include <QScrollArea>
#include <QScrollBar>
#include <QWheelEvent>
#include <QSpinBox>
#include <QTabWidget>
#include <QTextBlock>
#include <QVBoxLayout>

#include <algorithm>
#include <limits>

namespace retort::widgets {
namespace {

const char* const kErrorStyle = "border: 1px solid #d32f2f;";

QDoubleSpinBox* doubleBox(double max, int decimals, double step)
{
    auto* b = new QDoubleSpinBox;
    b->setRange(0, max);
    b->setDecimals(decimals);
    b->setSingleStep(step);
    return b;
}

QSpinBox* intBox(int min, int max, int step = 1)
{
    auto* b = new QSpinBox;
    b->setRange(min, max);
    b->setSingleStep(step);
    return b;
}

QString number(double v)
{
    return QString::number(v, 'g', 8);
}

} // namespace

ExperimentPanel::ExperimentPanel(QWidget* parent)
    : QWidget(parent), m_tabs(new QTabWidget), m_editor(new QPlainTextEdit), m_error(new QLabel),
      m_run(new QPushButton(tr("Run")))
{
    auto* formPage = new QWidget;
    buildForm(formPage);
    auto* scroll = new QScrollArea;
    m_formScroll = scroll;
    scroll->setWidget(formPage);
    scroll->setWidgetResizable(true);
    scroll->setFrameShape(QFrame::NoFrame);
    m_tabs->addTab(scroll, tr("Form"));

    m_editor->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_editor->setLineWrapMode(QPlainTextEdit::NoWrap);
    m_editor->setTabChangesFocus(false);
    m_tabs->addTab(m_editor, tr("YAML"));

    m_error->setWordWrap(true);
    m_error->setTextInteractionFlags(Qt::TextSelectableByMouse);
    m_error->setStyleSheet(QStringLiteral("color: #d32f2f;"));
    m_error->hide();
    m_run->setToolTip(tr("Run the experiment's study (every arm)"));
    m_run->setEnabled(false);

    m_debounce.setSingleShot(true);
    m_debounce.setInterval(kValidateDelayMs);
    connect(&m_debounce, &QTimer::timeout, this, &ExperimentPanel::validate);
    connect(m_editor, &QPlainTextEdit::textChanged, this, [this] {
        m_debounce.start();
        emit yamlChanged();
    });
    connect(m_run, &QPushButton::clicked, this, [this] {
        validate();
        if (m_valid)
            emit runRequested();
    });

    auto* buttons = new QHBoxLayout;
    buttons->addStretch(1);
    buttons->addWidget(m_run);
    auto* layout = new QVBoxLayout(this);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->addWidget(m_tabs, 1);
    layout->addWidget(m_error);
    layout->addLayout(buttons);
}

bool ExperimentPanel::eventFilter(QObject* watched, QEvent* event)
{
    auto* w = qobject_cast<QWidget*>(watched);
    if (event->type() == QEvent::Wheel && w && !w->hasFocus() && m_formScroll) {
        QCoreApplication::sendEvent(m_formScroll->verticalScrollBar(), event);
        return true;
    }
    return QWidget::eventFilter(watched, event);
}

void ExperimentPanel::addField(const QString& key, QWidget* field)
{
    m_fields.insert(key, field);
    field->setToolTip(key);
    if (qobject_cast<QAbstractSpinBox*>(field) || qobject_cast<QComboBox*>(field)) {
        field->setFocusPolicy(Qt::StrongFocus); // not Qt::WheelFocus: a passing wheel must not grab it
        field->installEventFilter(this);
    }
    if (auto* line = qobject_cast<QLineEdit*>(field)) {
        connect(line, &QLineEdit::editingFinished, this, [this, key, line] {
            if (key == QLatin1String("arms")) {
                QStringList arms;
                for (const QString& a : line->text().split(',', Qt::SkipEmptyParts))
                    arms << yamlScalar(a.trimmed());
                setKey(key, '[' + arms.join(QStringLiteral(", ")) + ']');
            } else {
                setKey(key, yamlScalar(line->text().trimmed()));
            }
        });
    } else if (auto* spin = qobject_cast<QSpinBox*>(field)) {
        connect(spin, qOverload<int>(&QSpinBox::valueChanged), this, [this, key](int v) { setKey(key, QString::number(v)); });
    } else if (auto* dspin = qobject_cast<QDoubleSpinBox*>(field)) {
        connect(dspin, qOverload<double>(&QDoubleSpinBox::valueChanged), this,
                [this, key](double v) { setKey(key, number(v)); });
    } else if (auto* combo = qobject_cast<QComboBox*>(field)) {
        connect(combo, &QComboBox::currentTextChanged, this, [this, key](const QString& t) { setKey(key, t); });
    }
}

void ExperimentPanel::buildForm(QWidget* page)
{
    m_data = new QLineEdit;
    m_teacherWeights = new QLineEdit;
    m_teacherArch = new QLineEdit;
    m_studentWeights = new QLineEdit;
    m_studentArch = new QLineEdit;
    m_data->setPlaceholderText(tr("Ultralytics data YAML"));
    m_teacherWeights->setPlaceholderText(tr(".safetensors, .pt or .torchscript"));
    m_teacherArch->setPlaceholderText(tr("e.g. yolov8s.yaml"));
    m_studentWeights->setPlaceholderText(tr("none: trained from scratch"));
    m_studentArch->setPlaceholderText(tr("e.g. yolov8n.yaml"));
    m_epochs = intBox(1, 100000);
    m_imgsz = intBox(32, 4096, 32);
    m_batch = intBox(1, 4096);
    m_lr0 = doubleBox(10, 6, 0.001);
    m_seed = intBox(0, std::numeric_limits<int>::max());
    m_logitWeight = doubleBox(1000, 4, 0.1);
    m_logitT = doubleBox(100, 3, 0.5);
    m_locWeight = doubleBox(1000, 4, 0.1);
    m_locT = doubleBox(100, 3, 0.5);
    m_featType = new QComboBox;
    m_featType->addItems({"mse", "at", "cwd", "mgd", "pkd", "score_l2", "fgd"});
    m_featWeight = doubleBox(1000, 4, 0.1);
    m_featTau = doubleBox(100, 3, 0.5);
    m_relWeight = doubleBox(1000, 4, 0.1);
    m_arms = new QLineEdit;
    m_arms->setPlaceholderText(tr("baseline, logit+loc, logit+loc+cwd"));

    auto* models = new QGroupBox(tr("Data and models"));
    auto* mf = new QFormLayout(models);
    mf->addRow(tr("Data"), m_data);
    mf->addRow(tr("Teacher weights"), m_teacherWeights);
    mf->addRow(tr("Teacher architecture"), m_teacherArch);
    mf->addRow(tr("Student weights"), m_studentWeights);
    mf->addRow(tr("Student architecture"), m_studentArch);

    auto* train = new QGroupBox(tr("Training"));
    auto* tf = new QFormLayout(train);
    tf->addRow(tr("Epochs"), m_epochs);
    tf->addRow(tr("Image size"), m_imgsz);
    tf->addRow(tr("Batch"), m_batch);
    tf->addRow(tr("Initial lr (lr0)"), m_lr0);
    tf->addRow(tr("Seed"), m_seed);

    auto* distill = new QGroupBox(tr("Distillation"));
    auto* df = new QFormLayout(distill);
    df->addRow(tr("Logit weight"), m_logitWeight);
    df->addRow(tr("Logit temperature"), m_logitT);
    df->addRow(tr("Localisation weight"), m_locWeight);
    df->addRow(tr("Localisation temperature"), m_locT);
    df->addRow(tr("Feature type"), m_featType);
    df->addRow(tr("Feature weight"), m_featWeight);
    df->addRow(tr("Feature temperature (tau)"), m_featTau);
    df->addRow(tr("Relation weight"), m_relWeight);
    df->addRow(tr("Arms"), m_arms);

    auto* layout = new QVBoxLayout(page);
    layout->addWidget(models);
    layout->addWidget(train);
    layout->addWidget(distill);
    layout->addStretch(1);

    addField("data", m_data);
    addField("teacher.weights", m_teacherWeights);
    addField("teacher.arch", m_teacherArch);
    addField("student.weights", m_studentWeights);
    addField("student.arch", m_studentArch);
    addField("train.epochs", m_epochs);
    addField("train.imgsz", m_imgsz);
    addField("train.batch", m_batch);
    addField("train.lr0", m_lr0);
    addField("train.seed", m_seed);
    addField("distill.logit.weight", m_logitWeight);
    addField("distill.logit.temperature", m_logitT);
    addField("distill.loc.weight", m_locWeight);
    addField("distill.loc.temperature", m_locT);
    addField("distill.feature.type", m_featType);
    addField("distill.feature.weight", m_featWeight);
    addField("distill.feature.cwd.tau", m_featTau);
    addField("distill.relation.weight", m_relWeight);
    addField("arms", m_arms);
}

void ExperimentPanel::setKey(const QString& key, const QString& yamlValue)
{
    if (m_filling)
        return;
    const QString before = m_editor->toPlainText();
    const QString after = setYamlValue(before, key.split('.'), yamlValue);
    if (after == before)
        return;
    // One undoable edit in the editor rather than a reset of its history.
    QTextCursor cursor(m_editor->document());
    cursor.select(QTextCursor::Document);
    cursor.insertText(after);
    validate();
}

void ExperimentPanel::setYaml(const QString& text, const QString& sourcePath)
{
    m_sourcePath = sourcePath;
    m_editor->setPlainText(text);
    validate();
}

QString ExperimentPanel::yaml() const
{
    return m_editor->toPlainText();
}

QString ExperimentPanel::errorText() const
{
    return m_valid ? QString() : m_error->text();
}

void ExperimentPanel::validate()
{
    m_debounce.stop();
    const QString origin = m_sourcePath.isEmpty() ? tr("experiment") : m_sourcePath;
    const QString baseDir = m_sourcePath.isEmpty() ? QDir::currentPath() : QFileInfo(m_sourcePath).absolutePath();
    bool valid = false;
    QString message;
    try {
        m_config = parseExperiment(yaml().toStdString(), origin.toStdString(), baseDir.toStdString());
        m_config.sourcePath = m_sourcePath.toStdString();
        valid = true;
    } catch (const Error& e) {
        message = QString::fromStdString(e.what());
    }
    if (valid)
        fillForm(m_config);
    markError(message);
    m_run->setEnabled(valid);
    const bool changed = valid != m_valid || !m_validatedOnce;
    m_valid = valid;
    m_validatedOnce = true;
    if (changed)
        emit validityChanged(valid);
}

void ExperimentPanel::markError(const QString& message)
{
    m_errorLine = 0;
    const QString origin = m_sourcePath.isEmpty() ? tr("experiment") : m_sourcePath;
    // InputError messages start with "<origin>:<line>:".
    if (message.startsWith(origin + ':')) {
        static const QRegularExpression lineRe(QStringLiteral("^(\\d+):"));
        const auto m = lineRe.match(message.mid(origin.size() + 1));
        if (m.hasMatch())
            m_errorLine = m.captured(1).toInt();
    }
    QList<QTextEdit::ExtraSelection> marks;
    if (m_errorLine > 0) {
        QTextEdit::ExtraSelection sel;
        sel.format.setBackground(QColor(211, 47, 47, 70));
        sel.format.setProperty(QTextFormat::FullWidthSelection, true);
        sel.cursor = QTextCursor(m_editor->document()->findBlockByNumber(m_errorLine - 1));
        marks << sel;
    }
    m_editor->setExtraSelections(marks);
    m_error->setText(message);
    m_error->setVisible(!message.isEmpty());
    for (auto it = m_fields.begin(); it != m_fields.end(); ++it)
        it.value()->setStyleSheet(!message.isEmpty() && message.contains('\'' + it.key() + '\'')
                                      ? QString::fromLatin1(kErrorStyle)
                                      : QString());
}

void ExperimentPanel::fillForm(const ExperimentConfig& c)
{
    m_filling = true;
    const QList<QWidget*> fields = m_fields.values();
    for (QWidget* w : fields)
        w->blockSignals(true);
    auto setLine = [](QLineEdit* e, const std::string& v) {
        if (!e->hasFocus())
            e->setText(QString::fromStdString(v));
    };
    setLine(m_data, c.data);
    setLine(m_teacherWeights, c.teacher.weights);
    setLine(m_teacherArch, c.teacher.arch);
    setLine(m_studentWeights, c.student.weights);
    setLine(m_studentArch, c.student.arch);
    m_epochs->setValue(c.train.epochs);
    m_imgsz->setValue(c.train.imgsz);
    m_batch->setValue(c.train.batch);
    m_lr0->setValue(c.train.lr0);
    m_seed->setValue(static_cast<int>(std::min<unsigned long long>(c.train.seed, std::numeric_limits<int>::max())));
    m_logitWeight->setValue(c.distill.logit.weight);
    m_logitT->setValue(c.distill.logit.temperature);
    m_locWeight->setValue(c.distill.loc.weight);
    m_locT->setValue(c.distill.loc.temperature);
    m_featType->setCurrentText(QString::fromStdString(c.distill.feature.type));
    m_featWeight->setValue(c.distill.feature.weight);
    m_featTau->setValue(c.distill.feature.tau);
    m_relWeight->setValue(c.distill.relation.weight);
    QStringList arms;
    for (const auto& a : c.arms)
        arms << QString::fromStdString(a);
    if (!m_arms->hasFocus())
        m_arms->setText(arms.join(QStringLiteral(", ")));
    for (QWidget* w : fields)
        w->blockSignals(false);
    m_filling = false;
}

void ExperimentPanel::setArchitectureSuggestions(const QStringList& names)
{
    for (QLineEdit* field : {m_teacherArch, m_studentArch}) {
        auto* completer = new QCompleter(names, field);
        completer->setCaseSensitivity(Qt::CaseInsensitive);
        completer->setFilterMode(Qt::MatchContains);
        field->setCompleter(completer);
    }
}

} // namespace retort::widgets
