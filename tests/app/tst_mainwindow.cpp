// The workbench window offscreen: first start loads the embedded default experiment (one click
// from a real study), the tabs and shortcuts exist, and dropping an image opens it in Compare.
#include "mainwindow.h"

#include "widgets/compareview.h"

#include "testdata.h"

#include <QAction>
#include <QMimeData>
#include <QStandardPaths>
#include <QTabWidget>
#include <QtTest>

#include <opencv2/imgcodecs.hpp>

using namespace retort;

class TestMainWindow : public QObject
{
    Q_OBJECT
private slots:
    void initTestCase();
    void firstStartLoadsDefaultExperiment();
    void dropImageOpensCompare();
};

void TestMainWindow::initTestCase()
{
    QStandardPaths::setTestModeEnabled(true); // settings go to a throwaway location
    QCoreApplication::setOrganizationName(QStringLiteral("RetortTest"));
    QSettings().clear();
    QDir::setCurrent(QString::fromStdString(test::tempDir("mainwindow")));
}

void TestMainWindow::firstStartLoadsDefaultExperiment()
{
    app::MainWindow w;
    w.show();
    QVERIFY(w.windowTitle().contains("shapes-quick"));
    QCOMPARE(w.tabs()->count(), 4);
    QAction* study = nullptr;
    for (QAction* a : w.findChildren<QAction*>())
        if (a->shortcut() == QKeySequence(Qt::Key_F5))
            study = a;
    QVERIFY2(study, "no action on F5");
    QTRY_VERIFY(study->isEnabled()); // the default experiment is valid
}

void TestMainWindow::dropImageOpensCompare()
{
    const QString image = QString::fromStdString(test::tempDir("drop") + "/dropped.png");
    cv::Mat m(64, 96, CV_8UC3, cv::Scalar(40, 120, 200));
    QVERIFY(cv::imwrite(image.toStdString(), m));
    app::MainWindow w;
    w.show();
    auto* mime = new QMimeData;
    mime->setUrls({QUrl::fromLocalFile(image)});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&w, &drop);
    QCOMPARE(w.tabs()->currentWidget(), static_cast<QWidget*>(w.compareView()));
    QCOMPARE(w.compareView()->images().size(), 1);
    delete mime;
}

QTEST_MAIN(TestMainWindow)
#include "tst_mainwindow.moc"
