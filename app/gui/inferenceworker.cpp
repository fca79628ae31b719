// torch before Qt: ATen declares members named `slots`, which Qt's keyword macro would rewrite
// (targets built without the shared torch PCH see the headers in this order).
#include "eval/predictor.h"
#include "io/weights.h"
#include "util/error.h"
#include "viz/attention.h"

#include "inferenceworker.h"

#include <QDir>
#include <QElapsedTimer>
#include <QFileInfo>
#include <QMetaObject>

#include <opencv2/imgcodecs.hpp>

#include <cmath>

namespace retort::app {
namespace {

// Low thresholds so the Compare view can filter without running the models again.
constexpr double kStoreConf = 0.001;
constexpr double kStoreIou = 0.7;
constexpr int kStoreMaxDet = 300;
constexpr double kOverlayAlpha = 0.5;

QImage toQImage(const cv::Mat& bgr)
{
    return QImage(bgr.data, bgr.cols, bgr.rows, static_cast<qsizetype>(bgr.step), QImage::Format_BGR888).copy();
}

/// "P3/8" from how much the tap is smaller than the input.
QString levelName(const torch::Tensor& input, const torch::Tensor& tap)
{
    const int stride = static_cast<int>(std::lround(static_cast<double>(input.size(2)) / tap.size(2)));
    const int level = static_cast<int>(std::lround(std::log2(std::max(stride, 1))));
    return QStringLiteral("P%1/%2").arg(level).arg(stride);
}

struct Side
{
    std::unique_ptr<Predictor> predictor;
    QString name;
    int imgsz = 640; ///< the training image size the file records
    std::map<int, FeatureAdapter> adapters; ///< by student layer: the feature-KD adapters trained with it
    explicit operator bool() const { return predictor != nullptr; }
};

Side loadSide(const QString& path)
{
    Side side;
    if (path.isEmpty())
        return side;
    LoadedModel loaded = loadModel(path.toStdString());
    if (!loaded.model->fused())
        loaded.model->fuse();  // our own copy: inference only, so fold BN for speed
    PredictOptions options;
    options.nms.conf = kStoreConf;
    options.nms.iou = kStoreIou;
    options.nms.maxDet = kStoreMaxDet;
    side.predictor = std::make_unique<Predictor>(loaded.model, loaded.names, options);
    side.imgsz = loaded.imgsz;
    const QFileInfo file(path);
    side.name = file.completeBaseName();
    // A run's checkpoint (<run>/weights/best.safetensors) is named after its run: "logit+loc+cwd/best".
    if ((side.name == QLatin1String("best") || side.name == QLatin1String("last")) && file.dir().dirName() == QLatin1String("weights"))
        side.name = QFileInfo(file.dir().absolutePath()).dir().dirName() + QLatin1Char('/') + side.name;
    if (loaded.format == "safetensors")
        side.adapters = loadFeatureAdapters(path.toStdString());
    return side;
}

struct Forward
{
    ImageDetections detections;
    FeatureTaps taps;
    double ms = 0;
};

Forward forward(Predictor& p, const torch::Tensor& input, const LetterboxInfo& info, const std::vector<int>& layers,
                const std::string& name)
{
    torch::NoGradGuard noGrad;
    QElapsedTimer timer;
    timer.start();
    Forward f;
    DetectionModel model = p.model();
    const auto output = model->forward(input, layers, &f.taps);
    const auto dets = selectDetections(output, model->endToEnd(), p.options().nms);
    f.detections = p.postprocess(dets[0], info, name);
    f.ms = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return f;
}

widgets::AttentionMaps attentionMaps(const cv::Mat& bgr, const LetterboxInfo& info, const cv::Mat& teacher,
                                     const cv::Mat& student)
{
    widgets::AttentionMaps m;
    m.teacher = toQImage(heatmapOverlay(bgr, teacher, info, kOverlayAlpha));
    m.student = toQImage(heatmapOverlay(bgr, student, info, kOverlayAlpha));
    m.difference = toQImage(heatmapOverlay(bgr, absDifference(teacher, student), info, kOverlayAlpha));
    m.cosine = cosineSimilarity(teacher, student);
    return m;
}

} // namespace

struct InferenceWorker::Models
{
    Side teacher;
    Side student;
};

InferenceWorker::InferenceWorker(QObject* parent) : QObject(parent), m_models(std::make_unique<Models>())
{
    qRegisterMetaType<widgets::ComparisonResult>();
}

InferenceWorker::~InferenceWorker() = default;

int InferenceWorker::processedCount() const
{
    QMutexLocker lock(&m_mutex);
    return m_processed;
}

void InferenceWorker::setModels(const QString& teacherPath, const QString& studentPath)
{
    QStringList errors;
    auto load = [&](const QString& path, Side& side) {
        try {
            side = loadSide(path);
        } catch (const std::exception& e) {
            side = Side{};
            errors << QString::fromStdString(e.what());
        }
    };
    load(teacherPath, m_models->teacher);
    load(studentPath, m_models->student);
    const Side& sizing = m_models->student ? m_models->student : m_models->teacher;
    emit trainedSizeChanged(sizing ? sizing.imgsz : 640);
    emit modelsLoaded(m_models->teacher.name, m_models->student.name); // clears an earlier model error
    if (!errors.isEmpty())
        emit failed(errors.join(QLatin1Char('\n')));
    std::optional<Request> last;
    {
        QMutexLocker lock(&m_mutex);
        // A request still waiting runs with the new models anyway and is the newer one.
        if (!m_pending)
            last = m_last;
    }
    if (last && (m_models->teacher || m_models->student))
        run(last->imagePath, last->imgsz);
}

void InferenceWorker::setLayers(const QList<int>& teacherLayers, const QList<int>& studentLayers)
{
    if (teacherLayers.size() != studentLayers.size()) {
        emit failed(tr("Attention layers: %1 teacher layers but %2 student layers; they are compared pairwise")
                        .arg(teacherLayers.size())
                        .arg(studentLayers.size()));
        return;
    }
    m_teacherLayers = teacherLayers;
    m_studentLayers = studentLayers;
}

void InferenceWorker::run(const QString& imagePath, int imgsz)
{
    {
        QMutexLocker lock(&m_mutex);
        m_pending = Request{imagePath, imgsz};
        if (m_scheduled)
            return;
        m_scheduled = true;
    }
    // Queued, so requests arriving meanwhile (also queued) overwrite m_pending first.
    QMetaObject::invokeMethod(this, &InferenceWorker::processPending, Qt::QueuedConnection);
}

void InferenceWorker::processPending()
{
    Request request;
    {
        QMutexLocker lock(&m_mutex);
        m_scheduled = false;
        if (!m_pending)
            return;
        request = *m_pending;
        m_pending.reset();
    }
    if (!m_models->teacher && !m_models->student) {
        emit failed(tr("No model loaded: choose a teacher or a student first")); // not the image's fault
        return;
    }
    try {
        widgets::ComparisonResult result = process(request);
        {
            QMutexLocker lock(&m_mutex);
            ++m_processed;
            m_last = request;
        }
        emit resultReady(result);
    } catch (const std::exception& e) {
        emit imageFailed(request.imagePath, QString::fromStdString(e.what()));
    }
}

widgets::ComparisonResult InferenceWorker::process(const Request& request)
{
    Side& teacher = m_models->teacher;
    Side& student = m_models->student;
    if (!teacher && !student)
        throw InputError(tr("No model loaded: choose a teacher or a student first").toStdString());
    if (request.imgsz < 32)
        throw InputError(tr("Image size %1 is too small (at least 32)").arg(request.imgsz).toStdString());
    const std::string path = request.imagePath.toStdString();
    const cv::Mat bgr = cv::imread(path, cv::IMREAD_COLOR);
    if (bgr.empty())
        throw InputError(path + ": not a readable image");

    widgets::ComparisonResult result;
    result.imagePath = request.imagePath;
    result.original = toQImage(bgr);
    result.imgsz = request.imgsz;
    result.teacherName = teacher.name;
    result.studentName = student.name;
    result.hasTeacher = static_cast<bool>(teacher);
    result.hasStudent = static_cast<bool>(student);

    Predictor& any = teacher ? *teacher.predictor : *student.predictor;
    PredictOptions options = any.options();
    options.imgszH = options.imgszW = request.imgsz;
    LetterboxInfo info;
    if (teacher)
        teacher.predictor->setOptions(options);
    if (student)
        student.predictor->setOptions(options);
    const torch::Tensor input = any.preprocess(bgr, &info);

    const bool both = teacher && student;
    const std::string name = QFileInfo(request.imagePath).fileName().toStdString();
    std::vector<int> teacherLayers;
    std::vector<int> studentLayers;
    if (both && m_teacherLayers.isEmpty()) {
        // Default: the Detect inputs of each architecture (15/18/21 for YOLOv8, 16/19/22 for
        // YOLO11 and YOLO26), paired level by level.
        teacherLayers = teacher.predictor->model()->spec().headInputs();
        studentLayers = student.predictor->model()->spec().headInputs();
        const size_t n = std::min(teacherLayers.size(), studentLayers.size());
        teacherLayers.resize(n);
        studentLayers.resize(n);
    } else if (both) {
        teacherLayers.assign(m_teacherLayers.begin(), m_teacherLayers.end());
        studentLayers.assign(m_studentLayers.begin(), m_studentLayers.end());
    }
    Forward t, s;
    if (teacher) {
        t = forward(*teacher.predictor, input, info, teacherLayers, name);
        result.teacher = t.detections;
        result.teacherMs = t.ms;
    }
    if (student) {
        s = forward(*student.predictor, input, info, studentLayers, name);
        result.student = s.detections;
        result.studentMs = s.ms;
    }
    if (!both)
        return result;

    QElapsedTimer timer;
    timer.start();
    for (size_t i = 0; i < teacherLayers.size(); ++i) {
        const auto ti = t.taps.find(teacherLayers[i]);
        const auto si = s.taps.find(studentLayers[i]);
        if (ti == t.taps.end() || si == s.taps.end())
            throw InputError(tr("Attention layers %1/%2: not a layer of both models")
                                 .arg(teacherLayers[i])
                                 .arg(studentLayers[i])
                                 .toStdString());
        widgets::LayerAttention layer;
        layer.name = levelName(input, ti->second);
        layer.teacherLayer = teacherLayers[i];
        layer.studentLayer = studentLayers[i];
        layer.spatial = attentionMaps(bgr, info, spatialAttention(ti->second), spatialAttention(si->second));
        // One channel for both maps: the teacher's, and the student's feature in the teacher's channel space.
        const auto adapter = student.adapters.find(studentLayers[i]);
        const bool adapterFits = adapter != student.adapters.end() && adapter->second.teacherLayer == teacherLayers[i];
        const ChannelPairAttention c = alignedChannelAttention(ti->second, si->second, adapterFits ? &adapter->second : nullptr);
        layer.teacherChannel = c.teacherChannel;
        layer.studentChannel = c.studentChannel;
        layer.channelMatch = c.alignment == ChannelAlignment::Adapter      ? widgets::ChannelMatch::Adapter
                             : c.alignment == ChannelAlignment::SameIndex ? widgets::ChannelMatch::SameIndex
                                                                           : widgets::ChannelMatch::NotAligned;
        layer.channel = attentionMaps(bgr, info, c.teacher, c.student);
        result.layers.push_back(std::move(layer));
    }
    result.attentionMs = static_cast<double>(timer.nsecsElapsed()) / 1e6;
    return result;
}

} // namespace retort::app
