// CompareView: re-filtering without inference, drops, unmatched highlighting, PNG export, stats.
#include "widgets/compareview.h"
#include "widgets/detectionstatspanel.h"
#include "widgets/detectionview.h"

#include "testdata.h"

#include <QApplication>
#include <QClipboard>
#include <QDir>
#include <QDropEvent>
#include <QGuiApplication>
#include <QMimeData>
#include <QSignalSpy>
#include <QSpinBox>
#include <QWheelEvent>
#include <QtTest>

using namespace retort;
using namespace retort::widgets;

class TestCompareView : public QObject
{
    Q_OBJECT
private slots:
    void slidersRefilterWithoutInference_data();
    void slidersRefilterWithoutInference();
    void dropFileRequestsImage();
    void dropFolderBrowses();
    void unmatchedFollowsMatching();
    void zoomIsSynchronised();
    void savesPng();
    void statisticsText();
    void badImageClearsStaleResultKeepsList();
    void inferenceSizeIsShownAndSelectable();
    void keysStepThroughImages();
};

namespace {
Detection det(int cls, const char* name, float score, float x1, float y1, float x2, float y2)
{
    Detection d;
    d.classId = cls;
    d.className = name;
    d.score = score;
    d.x1 = x1;
    d.y1 = y1;
    d.x2 = x2;
    d.y2 = y2;
    return d;
}

/// 200 x 100 grey image; the teacher finds two overlapping persons (IoU 0.59), a car and a
/// faint person; the student one of the persons, the car as a truck, and a faint dog.
ComparisonResult handMade()
{
    ComparisonResult r;
    r.imagePath = QStringLiteral("/nowhere/hand.png");
    r.original = QImage(200, 100, QImage::Format_RGB32);
    r.original.fill(QColor(128, 128, 128));
    r.teacherName = QStringLiteral("teacher-s");
    r.studentName = QStringLiteral("student-n");
    r.hasTeacher = r.hasStudent = true;
    r.teacher.detections = {det(0, "person", 0.9f, 10, 10, 60, 60), det(0, "person", 0.8f, 17, 17, 67, 67),
                            det(2, "car", 0.6f, 100, 20, 180, 80), det(0, "person", 0.3f, 150, 0, 170, 15),
                            det(0, "person", 0.01f, 10, 10, 60, 60)};
    r.student.detections = {det(0, "person", 0.85f, 11, 10, 61, 60), det(7, "truck", 0.5f, 100, 20, 180, 80),
                            det(16, "dog", 0.2f, 0, 70, 30, 99)};
    return r;
}

QString scores(const std::vector<Detection>& dets)
{
    QStringList out;
    for (const auto& d : dets)
        out << QString::number(d.score);
    return out.join(' ');
}

QImage grey(int w, int h)
{
    QImage img(w, h, QImage::Format_RGB32);
    img.fill(Qt::gray);
    return img;
}
} // namespace

void TestCompareView::slidersRefilterWithoutInference_data()
{
    QTest::addColumn<double>("conf");
    QTest::addColumn<double>("iou");
    QTest::addColumn<QString>("teacher");
    QTest::addColumn<QString>("student");
    QTest::newRow("defaults") << 0.25 << 0.70 << "0.9 0.8 0.6 0.3" << "0.85 0.5";
    QTest::newRow("conf 0.5") << 0.50 << 0.70 << "0.9 0.8 0.6" << "0.85";
    QTest::newRow("iou 0.5 merges persons") << 0.25 << 0.50 << "0.9 0.6 0.3" << "0.85 0.5";
    QTest::newRow("conf 0.01") << 0.01 << 0.70 << "0.9 0.8 0.6 0.3" << "0.85 0.5 0.2";
}

void TestCompareView::slidersRefilterWithoutInference()
{
    QFETCH(double, conf);
    QFETCH(double, iou);
    QFETCH(QString, teacher);
    QFETCH(QString, student);
    CompareView view;
    QSignalSpy requests(&view, &CompareView::imageRequested);
    view.setResult(handMade());
    view.setConfidence(conf);
    view.setIou(iou);
    QCOMPARE(view.confidence(), conf);
    QCOMPARE(scores(view.shownTeacher()), teacher);
    QCOMPARE(scores(view.shownStudent()), student);
    QCOMPARE(scores(view.teacherView()->detections()), teacher);
    QCOMPARE(scores(view.studentView()->detections()), student);
    QCOMPARE(requests.count(), 0);
    QCOMPARE(view.inferenceRequests(), 0);
}

void TestCompareView::dropFileRequestsImage()
{
    const QString dir = QString::fromStdString(test::tempDir("drop"));
    const QString file = dir + QStringLiteral("/one.png");
    QVERIFY(grey(8, 8).save(file));
    const QString text = dir + QStringLiteral("/notes.txt");
    QFile t(text);
    QVERIFY(t.open(QIODevice::WriteOnly));
    t.write("not an image");
    t.close();

    CompareView view;
    QSignalSpy requests(&view, &CompareView::imageRequested);

    QMimeData textOnly;
    textOnly.setUrls({QUrl::fromLocalFile(text)});
    QDragEnterEvent refuse(QPoint(5, 5), Qt::CopyAction, &textOnly, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &refuse);
    QVERIFY(!refuse.isAccepted());

    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(file)});
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &drop);
    QCOMPARE(requests.count(), 1);
    QCOMPARE(requests.at(0).at(0).toString(), QFileInfo(file).absoluteFilePath());
    QCOMPARE(view.inferenceRequests(), 1);

    // The result arriving and the sliders moving do not ask again.
    ComparisonResult r = handMade();
    r.imagePath = file;
    view.setResult(r);
    view.setConfidence(0.6);
    QCOMPARE(requests.count(), 1);
}

void TestCompareView::dropFolderBrowses()
{
    const QString dir = QString::fromStdString(test::tempDir("folder"));
    for (const char* name : {"b.jpg", "a.png", "c.bmp"})
        QVERIFY(grey(8, 8).save(dir + QLatin1Char('/') + QLatin1String(name)));
    CompareView view;
    QSignalSpy requests(&view, &CompareView::imageRequested);
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(dir)});
    // QApplication delivers a drop only to the widget that accepted the drag's enter event.
    QDragEnterEvent enter(QPoint(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(5, 5), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &drop);
    QCOMPARE(view.images().size(), 3);
    QCOMPARE(requests.count(), 1);
    QCOMPARE(QFileInfo(requests.at(0).at(0).toString()).fileName(), QStringLiteral("a.png"));
    view.showNext();
    view.showNext();
    view.showNext(); // past the end: nothing
    QCOMPARE(requests.count(), 3);
    QCOMPARE(QFileInfo(requests.at(2).at(0).toString()).fileName(), QStringLiteral("c.bmp"));
    view.showPrevious();
    QCOMPARE(QFileInfo(requests.at(3).at(0).toString()).fileName(), QStringLiteral("b.jpg"));
    QCOMPARE(view.inferenceRequests(), 4);
}

void TestCompareView::unmatchedFollowsMatching()
{
    CompareView view;
    view.setResult(handMade());
    view.setConfidence(0.25);
    // Teacher: person .9 matched (IoU .96 with the student's person), person .8 unmatched
    // (the student's person is taken), car unmatched (student says truck), person .3 unmatched.
    QCOMPARE(view.teacherView()->unmatched(), (std::vector<bool>{false, true, true, true}));
    QCOMPARE(view.studentView()->unmatched(), (std::vector<bool>{false, true}));
    const DetectionMatch m = matchDetections(view.shownTeacher(), view.shownStudent(), 0.5);
    for (size_t i = 0; i < m.matchedA.size(); ++i)
        QCOMPARE(view.teacherView()->unmatched()[i], !m.matchedA[i]);
    QCOMPARE(view.summary(), QStringLiteral("student missed 3, extra 1"));
    view.setConfidence(0.7);
    QCOMPARE(view.teacherView()->unmatched(), (std::vector<bool>{false, true}));
    QCOMPARE(view.studentView()->unmatched(), (std::vector<bool>{false}));
    QCOMPARE(view.summary(), QStringLiteral("student missed 1, extra 0"));
}

void TestCompareView::zoomIsSynchronised()
{
    CompareView view;
    view.resize(1200, 700);
    view.show();
    QVERIFY(QTest::qWaitForWindowExposed(&view));
    view.setResult(handMade());
    DetectionView* t = view.teacherView();
    const double before = t->zoom();
    QWheelEvent wheel(QPointF(20, 20), t->viewport()->mapToGlobal(QPointF(20, 20)), QPoint(), QPoint(0, 240),
                      Qt::NoButton, Qt::NoModifier, Qt::NoScrollPhase, false);
    QCoreApplication::sendEvent(t->viewport(), &wheel);
    QVERIFY(t->zoom() > before * 1.3);
    QVERIFY(std::abs(view.studentView()->zoom() - t->zoom()) < 1e-9);
}

void TestCompareView::savesPng()
{
    CompareView view;
    view.setResult(handMade());
    const QString path = QString::fromStdString(test::tempDir("png")) + QStringLiteral("/cmp.png");
    QVERIFY(view.saveComparison(path));
    QImage saved(path);
    QVERIFY(!saved.isNull());
    QCOMPARE(saved.width(), 2 * 200 + 3 * CompareView::kExportMargin);
    QVERIFY(saved.height() > 100 + 2 * CompareView::kExportMargin);
    // Both panels show the grey image (column 90 meets no box or label), the margins stay white.
    const int m = CompareView::kExportMargin;
    int imageTop = -1;
    for (int y = 0; y < saved.height() && imageTop < 0; ++y)
        if (saved.pixelColor(m + 90, y) == QColor(128, 128, 128))
            imageTop = y;
    QVERIFY(imageTop > m);
    QCOMPARE(saved.pixelColor(m + 90, imageTop + 99), QColor(128, 128, 128));
    QVERIFY(saved.pixelColor(m + 90, imageTop + 100) != QColor(128, 128, 128));
    QCOMPARE(saved.pixelColor(m + 200 + m + 90, imageTop + 50), QColor(128, 128, 128));
    QCOMPARE(saved.pixelColor(m / 2, imageTop + 50), QColor(Qt::white));
    QCOMPARE(saved.pixelColor(m + 200 + m / 2, imageTop + 50), QColor(Qt::white));
    // The teacher's first person box (left edge x = 10, matched, solid) is in the export.
    const QColor person = classQColor(0), edge = saved.pixelColor(m + 10, imageTop + 40);
    QVERIFY2(std::abs(edge.red() - person.red()) + std::abs(edge.green() - person.green()) +
                     std::abs(edge.blue() - person.blue()) < 40,
             qPrintable(edge.name() + " vs " + person.name()));
    QVERIFY(!view.saveComparison(QStringLiteral("/nonexistent-dir/x.png")));
}

void TestCompareView::statisticsText()
{
    DetectionStatsPanel panel;
    panel.setTitle(QStringLiteral("Student"));
    panel.setWarningLevel(0.4);
    panel.setDetections({det(0, "person", 0.76f, 0, 0, 1, 1), det(0, "person", 0.92f, 0, 0, 1, 1),
                         det(2, "car", 0.35f, 0, 0, 1, 1), det(0, "person", 0.31f, 0, 0, 1, 1),
                         det(2, "car", 0.38f, 0, 0, 1, 1), det(1, "bicycle", 0.55f, 0, 0, 1, 1)});
    QCOMPARE(panel.countReport(), QStringLiteral("person 3, car 2, bicycle 1"));
    QCOMPARE(panel.flaggedClasses(), QStringList{QStringLiteral("car")});
    QCOMPARE(panel.plainText(), QStringLiteral("Student\n"
                                               "person 3: 0.92 0.76 0.31\n"
                                               "car 2: 0.38 0.35 (low)\n"
                                               "bicycle 1: 0.55\n"
                                               "person 3, car 2, bicycle 1"));
    panel.copyReport();
    QCOMPARE(QGuiApplication::clipboard()->text(), QStringLiteral("person 3, car 2, bicycle 1"));
    panel.setWarningLevel(0.3);
    QVERIFY(panel.flaggedClasses().isEmpty());
}

void TestCompareView::badImageClearsStaleResultKeepsList()
{
    const QString dir = QString::fromStdString(test::tempDir("badimage"));
    QStringList files;
    for (const char* n : {"a.png", "b.png"}) {
        files << dir + "/" + n;
        QVERIFY(grey(8, 8).save(files.last()));
    }
    CompareView view;
    view.openImages(files);
    ComparisonResult r = handMade();
    r.imagePath = files[0];
    view.setResult(r);
    QVERIFY(!view.shownTeacher().empty());
    view.showImageError(files[1], QStringLiteral("cannot decode"));
    QVERIFY(!view.hasResult());
    QVERIFY(view.shownTeacher().empty() && view.shownStudent().empty());
    QVERIFY(view.teacherView()->detections().empty());
    QCOMPARE(view.images(), files); // the list stays
    QVERIFY(view.summaryText().contains(QStringLiteral("b.png: cannot decode")));
    view.clearError();
    QVERIFY(!view.summaryText().contains(QStringLiteral("cannot decode")));
}

void TestCompareView::inferenceSizeIsShownAndSelectable()
{
    const QString dir = QString::fromStdString(test::tempDir("size"));
    QVERIFY(grey(8, 8).save(dir + "/a.png"));
    CompareView view;
    auto* spin = view.findChild<QSpinBox*>();
    QVERIFY(spin);
    QCOMPARE(view.inferenceSize(), 640);
    QCOMPARE(spin->text(), QStringLiteral("640 px"));
    QSignalSpy requests(&view, &CompareView::imageRequested);
    view.setInferenceSize(160); // the models' size: shown, nothing re-run
    QCOMPARE(spin->value(), 160);
    QCOMPARE(requests.count(), 0);
    view.setInferenceSize(100); // not a multiple of 32: the nearest one
    QCOMPARE(view.inferenceSize(), 96);
    view.openImages({dir + "/a.png"});
    QCOMPARE(requests.count(), 1);
    spin->setValue(320); // the user's choice re-runs the image at once
    QCOMPARE(view.inferenceSize(), 320);
    QCOMPARE(requests.count(), 2);
    spin->setValue(300); // snapped to 288, asked once
    QCOMPARE(view.inferenceSize(), 288);
    QCOMPARE(requests.count(), 3);
    view.setConfidence(0.3);
    QCOMPARE(view.settingsText(), QStringLiteral("conf 0.30 · IoU 0.70 · input 288 px"));
}

void TestCompareView::keysStepThroughImages()
{
    const QString dir = QString::fromStdString(test::tempDir("keys"));
    for (const char* name : {"a.png", "b.png", "c.png"})
        QVERIFY(grey(8, 8).save(dir + QLatin1Char('/') + QLatin1String(name)));
    CompareView view;
    view.show();
    view.activateWindow();
    QVERIFY(QTest::qWaitForWindowActive(&view));
    view.openImages({dir});
    view.teacherView()->setFocus();
    QCOMPARE(view.currentIndex(), 0);
    QTest::keyClick(view.teacherView(), Qt::Key_Right);
    QCOMPARE(view.currentIndex(), 1);
    QTest::keyClick(view.teacherView(), Qt::Key_PageDown);
    QCOMPARE(view.currentIndex(), 2);
    QTest::keyClick(view.teacherView(), Qt::Key_Right); // at the end: stays
    QCOMPARE(view.currentIndex(), 2);
    QTest::keyClick(view.teacherView(), Qt::Key_PageUp);
    QTest::keyClick(view.teacherView(), Qt::Key_Left);
    QCOMPARE(view.currentIndex(), 0);
}

QTEST_MAIN(TestCompareView)
#include "tst_compareview.moc"
