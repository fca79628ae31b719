// InferenceWorker with the real yolov8s (teacher) and yolov8n (student) on bus.jpg: detections
// that re-filter to Ultralytics' predict output, attention maps, superseded requests.
// With RETORT_SNAPSHOT_DIR set, also renders the Compare and Attention views there as PNGs.
#include "inferenceworker.h"

#include "eval/detectionfilter.h"
#include "io/weights.h"
#include "util/atomicfile.h"
#include "util/json.h"
#include "widgets/attentionview.h"
#include "widgets/compareview.h"
#include "widgets/detectionview.h"

#include "testdata.h"

#include <QDropEvent>
#include <QMimeData>
#include <QSignalSpy>
#include <QThread>
#include <QtTest>

using namespace retort;
using namespace retort::widgets;

class TestInferenceWorker : public QObject
{
    Q_OBJECT
private slots:
    void init();
    void cleanup();
    void teacherAndStudentOnBus();
    void slidersDoNotRerunModels();
    void modelChangeRerunsLastImage();
    void newerRequestSupersedes();
    void errorsAreReported();
    void unreadableImageIsTheImagesFault();
    void trainedSizeFollowsModels();

private:
    ComparisonResult runOne(const QString& image);
    void loadModels(const QString& teacher, const QString& student);

    QThread* m_thread = nullptr;
    app::InferenceWorker* m_worker = nullptr;
};

void TestInferenceWorker::init()
{
    m_thread = new QThread;
    m_worker = new app::InferenceWorker;
    m_worker->moveToThread(m_thread);
    connect(m_thread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_thread->start();
}

void TestInferenceWorker::cleanup()
{
    m_thread->quit();
    m_thread->wait();
    delete m_thread;
}

ComparisonResult TestInferenceWorker::runOne(const QString& image)
{
    QSignalSpy ready(m_worker, &app::InferenceWorker::resultReady);
    QSignalSpy failed(m_worker, &app::InferenceWorker::failed);
    QSignalSpy imageFailed(m_worker, &app::InferenceWorker::imageFailed);
    m_worker->run(image, 640);
    [&] { QTRY_VERIFY_WITH_TIMEOUT(ready.count() + failed.count() + imageFailed.count() > 0, 180000); }();
    if (failed.count() > 0)
        qWarning() << failed.at(0).at(0).toString();
    if (imageFailed.count() > 0)
        qWarning() << imageFailed.at(0).at(1).toString();
    return ready.isEmpty() ? ComparisonResult{} : ready.at(0).at(0).value<ComparisonResult>();
}

void TestInferenceWorker::loadModels(const QString& teacher, const QString& student)
{
    QSignalSpy loaded(m_worker, &app::InferenceWorker::modelsLoaded);
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, teacher), Q_ARG(QString, student));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
}

namespace {
QString sharedFile(const char* relative)
{
    return QString::fromStdString(test::sharedPath(relative));
}
} // namespace

void TestInferenceWorker::teacherAndStudentOnBus()
{
    RETORT_REQUIRE_SHARED_DATA();
    const QString teacher = QString::fromStdString(test::sharedPath("weights/yolov8s.safetensors"));
    const QString student = QString::fromStdString(test::sharedPath("weights/yolov8n.safetensors"));
    const QString bus = QString::fromStdString(test::sharedPath("images/bus.jpg"));
    QSignalSpy loaded(m_worker, &app::InferenceWorker::modelsLoaded);
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, teacher), Q_ARG(QString, student));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    QCOMPARE(loaded.at(0).at(0).toString(), QStringLiteral("yolov8s"));

    const ComparisonResult r = runOne(bus);
    QVERIFY(r.hasTeacher && r.hasStudent);
    QCOMPARE(r.original.size(), QSize(810, 1080));
    QCOMPARE(r.student.width, 810);

    // Stored at conf 0.001; at 0.25 they must be Ultralytics' predict output.
    const std::string refPath = test::sharedPath("reference/predict/yolov8n_640.json");
    const YAML::Node ref = parseJson(readFile(refPath), refPath)["images"]["bus"]["detections"];
    const std::vector<Detection> shown = filterDetections(r.student.detections, 0.25, 0.7);
    QCOMPARE(shown.size(), ref.size());
    for (size_t i = 0; i < shown.size(); ++i) {
        QCOMPARE(shown[i].classId, ref[i]["class_id"].as<int>());
        QVERIFY(std::abs(shown[i].score - ref[i]["score"].as<double>()) < 1e-3);
        const float got[4] = {shown[i].x1, shown[i].y1, shown[i].x2, shown[i].y2};
        for (int k = 0; k < 4; ++k)
            QVERIFY2(std::abs(got[k] - ref[i]["box_xyxy"][k].as<double>()) < 0.5,
                     qPrintable(QString("det %1 coord %2: %3").arg(i).arg(k).arg(got[k])));
    }
    const std::string report = countReport(shown);
    QVERIFY2(report.rfind("person 4, bus 1", 0) == 0, report.c_str());

    QCOMPARE(r.layers.size(), size_t{3});
    const char* names[] = {"P3/8", "P4/16", "P5/32"};
    for (size_t i = 0; i < 3; ++i) {
        const LayerAttention& l = r.layers[i];
        QCOMPARE(l.name, QString(names[i]));
        QCOMPARE(l.teacherLayer, 15 + 3 * static_cast<int>(i));
        for (const double c : {l.spatial.cosine, l.channel.cosine})
            QVERIFY2(c > 0 && c <= 1.0 + 1e-9, qPrintable(QString("%1 cosine %2").arg(l.name).arg(c)));
        QCOMPARE(l.spatial.teacher.size(), r.original.size());
        QCOMPARE(l.channel.difference.size(), r.original.size());
        QVERIFY(l.teacherChannel >= 0 && l.studentChannel >= 0);
        // yolov8s has twice yolov8n's channels and the official files carry no KD adapters.
        QCOMPARE(l.channelMatch, ChannelMatch::NotAligned);
        qInfo("%s: spatial cos %.3f, channel cos %.3f (channels %d/%d)", names[i], l.spatial.cosine,
              l.channel.cosine, l.teacherChannel, l.studentChannel);
    }
    qInfo("teacher %.0f ms, student %.0f ms, attention %.0f ms", r.teacherMs, r.studentMs, r.attentionMs);

    const QByteArray snapshots = qgetenv("RETORT_SNAPSHOT_DIR");
    if (!snapshots.isEmpty()) {
        const QString dir = QString::fromLocal8Bit(snapshots);
        CompareView compare;
        compare.resize(1400, 900);
        compare.show();
        compare.setResult(r);
        QVERIFY(QTest::qWaitForWindowExposed(&compare));
        QVERIFY(compare.grab().save(dir + "/compareview.png"));
        QVERIFY(compare.saveComparison(dir + "/comparison-export.png"));
        AttentionView attention;
        attention.resize(1200, 1000);
        attention.show();
        attention.setResult(r);
        QVERIFY(QTest::qWaitForWindowExposed(&attention));
        QVERIFY(attention.grab().save(dir + "/attention-spatial.png"));
        attention.setMode(AttentionView::Mode::Channel);
        QVERIFY(attention.grab().save(dir + "/attention-channel.png"));
    }
}

void TestInferenceWorker::slidersDoNotRerunModels()
{
    RETORT_REQUIRE_SHARED_DATA();
    loadModels(sharedFile("weights/yolov8s.safetensors"), sharedFile("weights/yolov8n.safetensors"));
    CompareView view;
    connect(&view, &CompareView::imageRequested, m_worker, [this](const QString& path) { m_worker->run(path, 640); });
    connect(m_worker, &app::InferenceWorker::resultReady, &view, &CompareView::setResult);
    QSignalSpy ready(m_worker, &app::InferenceWorker::resultReady);

    // The image arrives the way a user brings it: dropped onto the view.
    QMimeData mime;
    mime.setUrls({QUrl::fromLocalFile(sharedFile("images/bus.jpg"))});
    QDragEnterEvent enter(QPoint(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &enter);
    QVERIFY(enter.isAccepted());
    QDropEvent drop(QPointF(10, 10), Qt::CopyAction, &mime, Qt::LeftButton, Qt::NoModifier);
    QCoreApplication::sendEvent(&view, &drop);
    QTRY_VERIFY_WITH_TIMEOUT(view.hasResult(), 180000);
    QCOMPARE(m_worker->processedCount(), 1);
    QCOMPARE(QFileInfo(view.result().imagePath).fileName(), QStringLiteral("bus.jpg"));

    auto shown = [&] {
        return QString("%1+%2").arg(view.teacherView()->detections().size()).arg(view.studentView()->detections().size());
    };
    QStringList seen;
    for (const double conf : {0.25, 0.05, 0.6, 0.85}) {
        view.setConfidence(conf);
        seen << shown();
    }
    view.setConfidence(0.05);
    view.setIou(0.3);
    seen << shown();
    qInfo("shown teacher+student boxes at conf .25/.05/.6/.85, then conf .05 IoU .3: %s", qPrintable(seen.join(' ')));
    // Every step changed what is shown...
    for (int i = 1; i < seen.size(); ++i)
        QVERIFY2(seen[i] != seen[i - 1], qPrintable(seen.join(' ')));
    QCOMPARE(view.studentView()->detections().size(), view.shownStudent().size());
    // ...and not one model ran again.
    QTest::qWait(300);
    QCOMPARE(m_worker->processedCount(), 1);
    QCOMPARE(ready.count(), 1);
    QCOMPARE(view.inferenceRequests(), 1);
}

void TestInferenceWorker::modelChangeRerunsLastImage()
{
    RETORT_REQUIRE_SHARED_DATA();
    const QString s = sharedFile("weights/yolov8s.safetensors");
    loadModels(s, sharedFile("weights/yolov8n.safetensors"));
    const ComparisonResult first = runOne(sharedFile("images/bus.jpg"));
    QCOMPARE(first.layers.size(), size_t{3});
    AttentionView view;
    connect(m_worker, &app::InferenceWorker::resultReady, &view, &AttentionView::setResult);
    view.setResult(first);
    const QString before = view.rowHeader(0);

    // The same model on both sides: the worker re-runs bus.jpg by itself and the maps agree.
    QSignalSpy ready(m_worker, &app::InferenceWorker::resultReady);
    loadModels(s, s);
    QTRY_COMPARE_WITH_TIMEOUT(ready.count(), 1, 180000);
    const ComparisonResult again = ready.at(0).at(0).value<ComparisonResult>();
    QCOMPARE(again.imagePath, first.imagePath);
    QCOMPARE(again.studentName, QStringLiteral("yolov8s"));
    QCOMPARE(m_worker->processedCount(), 2);
    for (const LayerAttention& l : again.layers) {
        QVERIFY2(l.spatial.cosine > 1 - 1e-6, qPrintable(QString::number(l.spatial.cosine, 'g', 10)));
        QVERIFY2(l.channel.cosine > 1 - 1e-6, qPrintable(QString::number(l.channel.cosine, 'g', 10)));
        QCOMPARE(l.teacherChannel, l.studentChannel);
        QCOMPARE(l.channelMatch, ChannelMatch::SameIndex);
    }
    for (size_t i = 0; i < first.layers.size(); ++i)
        QVERIFY(first.layers[i].spatial.cosine < 0.999);
    QTRY_VERIFY(view.rowHeader(0).contains(QStringLiteral("cos 1.000")));
    QVERIFY(view.rowHeader(0) != before);
}

void TestInferenceWorker::newerRequestSupersedes()
{
    RETORT_REQUIRE_SHARED_DATA();
    QSignalSpy loaded(m_worker, &app::InferenceWorker::modelsLoaded);
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, QString()),
                              Q_ARG(QString, QString::fromStdString(test::sharedPath("weights/yolov8n.safetensors"))));
    QTRY_COMPARE_WITH_TIMEOUT(loaded.count(), 1, 60000);
    QSignalSpy ready(m_worker, &app::InferenceWorker::resultReady);
    const QString bus = QString::fromStdString(test::sharedPath("images/bus.jpg"));
    const QString zidane = QString::fromStdString(test::sharedPath("images/zidane.jpg"));
    for (int i = 0; i < 10; ++i)
        m_worker->run(i % 2 ? bus : zidane, 320);
    QTRY_VERIFY_WITH_TIMEOUT(!ready.isEmpty() && ready.last().at(0).value<ComparisonResult>().imagePath == bus,
                             120000);
    QTest::qWait(300);
    // The first request may have started before the rest arrived; the others collapse into one.
    QVERIFY2(m_worker->processedCount() <= 2, qPrintable(QString::number(m_worker->processedCount())));
    const ComparisonResult r = ready.last().at(0).value<ComparisonResult>();
    QVERIFY(!r.hasTeacher && r.hasStudent);
    QVERIFY(r.layers.empty());
}

void TestInferenceWorker::errorsAreReported()
{
    QSignalSpy failed(m_worker, &app::InferenceWorker::failed);
    m_worker->run(QStringLiteral("/nonexistent/image.jpg"), 640);
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 1, 10000);
    QVERIFY(failed.at(0).at(0).toString().contains(QStringLiteral("No model")));
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, QStringLiteral("/nonexistent/m.safetensors")),
                              Q_ARG(QString, QString()));
    QTRY_COMPARE_WITH_TIMEOUT(failed.count(), 2, 10000);
    QVERIFY(failed.at(1).at(0).toString().contains(QStringLiteral("/nonexistent/m.safetensors")));
}

void TestInferenceWorker::unreadableImageIsTheImagesFault()
{
    // With a model loaded, a file that is not an image fails as that image (Compare then clears
    // the previous image's boxes but keeps its list), not as a model error.
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, QString()),
                              Q_ARG(QString, QStringLiteral("yolov8n.yaml")));
    const QString junk = QString::fromStdString(test::tempDir("junkimage") + "/junk.jpg");
    QFile f(junk);
    QVERIFY(f.open(QIODevice::WriteOnly));
    f.write("this is text, not a JPEG");
    f.close();
    QSignalSpy failed(m_worker, &app::InferenceWorker::failed);
    QSignalSpy imageFailed(m_worker, &app::InferenceWorker::imageFailed);
    m_worker->run(junk, 640);
    QTRY_COMPARE_WITH_TIMEOUT(imageFailed.count(), 1, 60000);
    QCOMPARE(imageFailed.at(0).at(0).toString(), junk);
    QCOMPARE(failed.count(), 0);
}

void TestInferenceWorker::trainedSizeFollowsModels()
{
    // Compare runs at the size the models were trained at: the student's, else the teacher's;
    // 640 when the file records none (an architecture YAML, COCO weights).
    LoadedModel arch = loadModel("yolov8n.yaml");
    const QString at160 = QString::fromStdString(test::tempDir("trainedsize") + "/small.safetensors");
    saveModel(at160.toStdString(), *arch.model, arch.names, 160);
    QSignalSpy size(m_worker, &app::InferenceWorker::trainedSizeChanged);
    loadModels(QString(), at160);
    QCOMPARE(size.count(), 1);
    QCOMPARE(size.at(0).at(0).toInt(), 160);
    loadModels(QStringLiteral("yolov8s.yaml"), QString());
    QCOMPARE(size.at(1).at(0).toInt(), 640);
    loadModels(at160, QStringLiteral("yolov8n.yaml"));
    QCOMPARE(size.at(2).at(0).toInt(), 640); // the student decides
    loadModels(QStringLiteral("yolov8s.yaml"), at160);
    QCOMPARE(size.at(3).at(0).toInt(), 160);

    // The Compare view takes it without running anything; a user's change re-runs the image.
    CompareView view;
    connect(m_worker, &app::InferenceWorker::trainedSizeChanged, &view, &CompareView::setInferenceSize);
    QSignalSpy requests(&view, &CompareView::imageRequested);
    loadModels(QString(), at160);
    QTRY_COMPARE(view.inferenceSize(), 160);
    QCOMPARE(requests.count(), 0);
}

QTEST_MAIN(TestInferenceWorker)
#include "tst_inferenceworker.moc"
