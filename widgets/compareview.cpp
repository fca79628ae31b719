#include "widgets/compareview.h"

#include "widgets/detectioncharts.h"
#include "widgets/detectionstatspanel.h"
#include "widgets/detectionview.h"

#include <QDir>
#include <QDoubleSpinBox>
#include <QDragEnterEvent>
#include <QDropEvent>
#include <QFileDialog>
#include <QFileInfo>
#include <QHBoxLayout>
#include <QImageReader>
#include <QLabel>
#include <QMimeData>
#include <QPainter>
#include <QShortcut>
#include <QSlider>
#include <QSpinBox>
#include <QSplitter>
#include <QToolButton>
#include <QVBoxLayout>

#include <algorithm>
#include <cmath>

namespace retort::widgets {
namespace {

// Matching threshold for "has a partner in the other model": the usual TP criterion.
constexpr double kMatchIou = 0.5;
// The worker stores detections suppressed at IoU 0.7; a looser IoU could not bring boxes back.
constexpr int kMaxIouPercent = 70;

bool isImageFile(const QFileInfo& info)
{
    static const QList<QByteArray> formats = QImageReader::supportedImageFormats();
    return info.isFile() && formats.contains(info.suffix().toLower().toLatin1());
}

QStringList imagesIn(const QString& path)
{
    const QFileInfo info(path);
    if (info.isDir()) {
        QStringList out;
        const QDir dir(path);
        for (const QFileInfo& f : dir.entryInfoList(QDir::Files, QDir::Name))
            if (isImageFile(f))
                out << f.absoluteFilePath();
        return out;
    }
    return isImageFile(info) ? QStringList{info.absoluteFilePath()} : QStringList{};
}

QStringList localPaths(const QMimeData* mime)
{
    QStringList out;
    if (!mime || !mime->hasUrls())
        return out;
    for (const QUrl& url : mime->urls())
        if (url.isLocalFile())
            out << url.toLocalFile();
    return out;
}

/// The nearest multiple of 32 (the models' stride), at least 32.
int snapToStride(int imgsz)
{
    return std::max(32, (imgsz + 16) / 32 * 32);
}

QWidget* titled(QLabel* title, QWidget* body, QWidget* parent)
{
    auto* box = new QWidget(parent);
    auto* layout = new QVBoxLayout(box);
    layout->setContentsMargins(0, 0, 0, 0);
    layout->setSpacing(2);
    layout->addWidget(title);
    layout->addWidget(body, 1);
    return box;
}

} // namespace

CompareView::CompareView(QWidget* parent)
    : QWidget(parent), m_teacherView(new DetectionView(this)), m_studentView(new DetectionView(this)),
      m_teacherStats(new DetectionStatsPanel(this)), m_studentStats(new DetectionStatsPanel(this)),
      m_charts(new DetectionCharts(this)), m_teacherTitle(new QLabel(this)), m_studentTitle(new QLabel(this)),
      m_summary(new QLabel(this)), m_imageLabel(new QLabel(this)), m_confSlider(new QSlider(Qt::Horizontal, this)),
      m_iouSlider(new QSlider(Qt::Horizontal, this)), m_confValue(new QLabel(this)), m_iouValue(new QLabel(this)),
      m_warning(new QDoubleSpinBox(this)), m_size(new QSpinBox(this)), m_previous(new QToolButton(this)), m_next(new QToolButton(this)),
      m_save(new QToolButton(this))
{
    setAcceptDrops(true);

    auto* open = new QToolButton(this);
    open->setText(tr("Open…"));
    open->setToolTip(tr("Open an image or a folder of images (or drop them here)"));
    connect(open, &QToolButton::clicked, this, &CompareView::chooseImages);
    m_previous->setArrowType(Qt::LeftArrow);
    m_previous->setToolTip(tr("Previous image"));
    m_next->setArrowType(Qt::RightArrow);
    m_next->setToolTip(tr("Next image"));
    connect(m_previous, &QToolButton::clicked, this, &CompareView::showPrevious);
    connect(m_next, &QToolButton::clicked, this, &CompareView::showNext);

    m_confSlider->setRange(1, 99);
    m_confSlider->setValue(25);
    m_confSlider->setToolTip(tr("Confidence threshold: filters the stored detections, no new inference"));
    m_iouSlider->setRange(5, kMaxIouPercent);
    m_iouSlider->setSingleStep(5);
    m_iouSlider->setValue(kMaxIouPercent);
    m_iouSlider->setToolTip(tr("NMS IoU threshold (detections were stored after NMS at 0.70)"));
    for (QSlider* s : {m_confSlider, m_iouSlider}) {
        s->setMinimumWidth(120);
        connect(s, &QSlider::valueChanged, this, [this] { refilter(); });
    }
    m_confValue->setMinimumWidth(m_confValue->fontMetrics().horizontalAdvance(QStringLiteral("0.00")) + 4);
    m_iouValue->setMinimumWidth(m_confValue->minimumWidth());
    m_warning->setRange(0.0, 1.0);
    m_warning->setSingleStep(0.05);
    m_warning->setDecimals(2);
    m_warning->setValue(0.4);
    m_warning->setToolTip(tr("Confidences below this level are flagged in amber"));
    connect(m_warning, &QDoubleSpinBox::valueChanged, this, [this](double v) {
        m_teacherView->setWarningLevel(v);
        m_studentView->setWarningLevel(v);
        m_teacherStats->setWarningLevel(v);
        m_studentStats->setWarningLevel(v);
        m_charts->setWarningLevel(v);
    });
    m_size->setRange(32, 4096);
    m_size->setSingleStep(32);
    m_size->setValue(640);
    m_size->setSuffix(tr(" px"));
    m_size->setKeyboardTracking(false); // typing "320" asks once, on Enter, not for 3, 32 and 320
    m_size->setToolTip(tr("Inference size (long side, a multiple of 32); set to the size the models were trained at "
                          "when they load, 640 for COCO weights"));
    connect(m_size, &QSpinBox::valueChanged, this, [this](int v) {
        const int snapped = snapToStride(v);
        if (snapped != v) {
            m_size->setValue(snapped); // re-enters with the snapped value
            return;
        }
        if (m_index >= 0 && m_index < m_images.size())
            requestCurrent();
    });
    installImageKeys(this);
    m_save->setText(tr("Save PNG…"));
    m_save->setToolTip(tr("Save both views and the statistics as one PNG"));
    connect(m_save, &QToolButton::clicked, this, &CompareView::chooseSaveFile);

    auto* bar = new QHBoxLayout;
    bar->addWidget(open);
    bar->addWidget(m_previous);
    bar->addWidget(m_next);
    bar->addWidget(m_imageLabel, 1);
    bar->addWidget(new QLabel(tr("Confidence"), this));
    bar->addWidget(m_confSlider);
    bar->addWidget(m_confValue);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("IoU"), this));
    bar->addWidget(m_iouSlider);
    bar->addWidget(m_iouValue);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Warn below"), this));
    bar->addWidget(m_warning);
    bar->addSpacing(8);
    bar->addWidget(new QLabel(tr("Size"), this));
    bar->addWidget(m_size);
    bar->addSpacing(8);
    bar->addWidget(m_save);

    // Zooming or panning one view moves the other.
    connect(m_teacherView, &DetectionView::viewChanged, m_studentView, &DetectionView::setViewState);
    connect(m_studentView, &DetectionView::viewChanged, m_teacherView, &DetectionView::setViewState);

    auto* views = new QSplitter(Qt::Horizontal, this);
    views->addWidget(m_teacherStats);
    views->addWidget(titled(m_teacherTitle, m_teacherView, views));
    views->addWidget(titled(m_studentTitle, m_studentView, views));
    views->addWidget(m_studentStats);
    views->setStretchFactor(0, 1);
    views->setStretchFactor(1, 4);
    views->setStretchFactor(2, 4);
    views->setStretchFactor(3, 1);
    views->setChildrenCollapsible(false);

    auto* body = new QSplitter(Qt::Vertical, this);
    body->addWidget(views);
    body->addWidget(m_charts);
    body->setStretchFactor(0, 3);
    body->setStretchFactor(1, 1);
    body->setChildrenCollapsible(false);

    m_summary->setWordWrap(true);
    m_summary->setTextInteractionFlags(Qt::TextSelectableByMouse);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(bar);
    layout->addWidget(body, 1);
    layout->addWidget(m_summary);

    m_summary->setText(tr("Drop an image or a folder here, or use Open…"));
    updateTitles();
    updateNavigation();
    refilter();
}

double CompareView::confidence() const
{
    return m_confSlider->value() / 100.0;
}

double CompareView::iou() const
{
    return m_iouSlider->value() / 100.0;
}

double CompareView::warningLevel() const
{
    return m_warning->value();
}

void CompareView::installImageKeys(QWidget* scope)
{
    for (const auto& [key, forward] : {std::pair{Qt::Key_Right, true}, std::pair{Qt::Key_PageDown, true},
                                       std::pair{Qt::Key_Left, false}, std::pair{Qt::Key_PageUp, false}}) {
        auto* shortcut = new QShortcut(QKeySequence(key), scope);
        shortcut->setContext(Qt::WidgetWithChildrenShortcut);
        connect(shortcut, &QShortcut::activated, this, forward ? &CompareView::showNext : &CompareView::showPrevious);
    }
}

int CompareView::inferenceSize() const
{
    return m_size->value();
}

void CompareView::setInferenceSize(int imgsz)
{
    const QSignalBlocker block(m_size);
    m_size->setValue(snapToStride(imgsz));
}

QString CompareView::settingsText() const
{
    return tr("conf %1 · IoU %2 · input %3 px").arg(confidence(), 0, 'f', 2).arg(iou(), 0, 'f', 2).arg(inferenceSize());
}

void CompareView::setConfidence(double conf)
{
    m_confSlider->setValue(static_cast<int>(std::lround(conf * 100)));
}

void CompareView::setIou(double iou)
{
    m_iouSlider->setValue(static_cast<int>(std::lround(iou * 100)));
}

void CompareView::setWarningLevel(double level)
{
    m_warning->setValue(level);
}

void CompareView::setResult(const ComparisonResult& result)
{
    m_result = result;
    const int at = m_images.indexOf(QFileInfo(result.imagePath).absoluteFilePath());
    if (at >= 0)
        m_index = at;
    m_teacherView->setImage(result.original);
    m_studentView->setImage(result.original);
    updateTitles();
    updateNavigation();
    refilter();
}

void CompareView::refilter()
{
    m_confValue->setText(QString::number(confidence(), 'f', 2));
    m_iouValue->setText(QString::number(iou(), 'f', 2));
    m_shownTeacher = m_result.hasTeacher ? filterDetections(m_result.teacher.detections, confidence(), iou())
                                         : std::vector<Detection>{};
    m_shownStudent = m_result.hasStudent ? filterDetections(m_result.student.detections, confidence(), iou())
                                         : std::vector<Detection>{};
    const bool both = m_result.hasTeacher && m_result.hasStudent;
    m_match = both ? matchDetections(m_shownTeacher, m_shownStudent, kMatchIou) : DetectionMatch{};
    auto negate = [](const std::vector<bool>& matched) {
        std::vector<bool> out(matched.size());
        std::transform(matched.begin(), matched.end(), out.begin(), [](bool m) { return !m; });
        return out;
    };
    m_teacherView->setDetections(m_shownTeacher, negate(m_match.matchedA));
    m_studentView->setDetections(m_shownStudent, negate(m_match.matchedB));
    m_teacherStats->setDetections(m_shownTeacher);
    m_studentStats->setDetections(m_shownStudent);
    m_charts->setDetections(m_shownTeacher, m_shownStudent);
    if (hasResult()) {
        QString line = both ? summary() : QString();
        if (both)
            line += tr("  ·  boxes without a partner (IoU ≥ %1) are dashed").arg(kMatchIou, 0, 'f', 2);
        if (m_result.hasTeacher || m_result.hasStudent)
            line += tr("  ·  teacher %1 ms, student %2 ms, attention %3 ms")
                        .arg(m_result.teacherMs, 0, 'f', 0)
                        .arg(m_result.studentMs, 0, 'f', 0)
                        .arg(m_result.attentionMs, 0, 'f', 0);
        m_summary->setText(line);
    }
}

QString CompareView::summary() const
{
    if (!(m_result.hasTeacher && m_result.hasStudent))
        return {};
    return tr("student missed %1, extra %2").arg(m_match.unmatchedA()).arg(m_match.unmatchedB());
}

void CompareView::updateTitles()
{
    auto title = [this](const QString& role, const QString& name, bool has) {
        if (!has)
            return tr("%1: no model").arg(role);
        return name.isEmpty() ? role : tr("%1: %2").arg(role, name);
    };
    m_teacherTitle->setText(title(tr("Teacher"), m_result.teacherName, m_result.hasTeacher));
    m_studentTitle->setText(title(tr("Student"), m_result.studentName, m_result.hasStudent));
    m_teacherStats->setTitle(tr("Teacher"));
    m_studentStats->setTitle(tr("Student"));
    m_charts->setNames(tr("teacher"), tr("student"));
}

void CompareView::updateNavigation()
{
    m_previous->setEnabled(m_index > 0);
    m_next->setEnabled(m_index >= 0 && m_index + 1 < m_images.size());
    QString text;
    if (m_index >= 0 && m_index < m_images.size())
        text = QFileInfo(m_images[m_index]).fileName();
    else if (!m_result.imagePath.isEmpty())
        text = QFileInfo(m_result.imagePath).fileName();
    if (m_images.size() > 1 && m_index >= 0)
        text += tr("  (%1 of %2)").arg(m_index + 1).arg(m_images.size());
    m_imageLabel->setText(text);
    m_save->setEnabled(hasResult());
}

void CompareView::openImages(const QStringList& paths)
{
    QStringList images;
    for (const QString& p : paths)
        images << imagesIn(p);
    if (images.isEmpty()) {
        showError(tr("No images in %1").arg(paths.join(QStringLiteral(", "))));
        return;
    }
    m_images = images;
    m_index = 0;
    requestCurrent();
}

void CompareView::showNext()
{
    if (m_index + 1 >= m_images.size())
        return;
    ++m_index;
    requestCurrent();
}

void CompareView::showPrevious()
{
    if (m_index <= 0)
        return;
    --m_index;
    requestCurrent();
}

void CompareView::requestCurrent()
{
    updateNavigation();
    const QString path = m_images[m_index];
    ++m_requests;
    m_summary->setText(tr("Running both models on %1…").arg(QFileInfo(path).fileName()));
    emit imageRequested(path);
}

void CompareView::showImageError(const QString& path, const QString& message)
{
    m_result = ComparisonResult{};
    m_teacherView->setImage(QImage());
    m_studentView->setImage(QImage());
    refilter();
    updateNavigation();
    const QString name = QFileInfo(path).fileName();
    showError(name.isEmpty() || message.contains(name) ? message : tr("%1: %2").arg(name, message));
}

QString CompareView::summaryText() const
{
    return m_summary->text();
}

void CompareView::clearError()
{
    if (m_summary->text().startsWith(QStringLiteral("<span")))
        m_summary->clear();
}

void CompareView::showError(const QString& message)
{
    m_summary->setText(QStringLiteral("<span style='color:%1'>%2</span>")
                           .arg(warningColor().darker(120).name(), message.toHtmlEscaped()));
}

void CompareView::dragEnterEvent(QDragEnterEvent* event)
{
    for (const QString& p : localPaths(event->mimeData())) {
        const QFileInfo info(p);
        if (info.isDir() || isImageFile(info)) {
            event->acceptProposedAction();
            return;
        }
    }
}

void CompareView::dropEvent(QDropEvent* event)
{
    const QStringList paths = localPaths(event->mimeData());
    if (paths.isEmpty())
        return;
    event->acceptProposedAction();
    openImages(paths);
}

void CompareView::chooseImages()
{
    const QString filter = tr("Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)");
    const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open images"), QString(), filter);
    if (!files.isEmpty())
        openImages(files);
}

void CompareView::chooseSaveFile()
{
    const QString suggested = QFileInfo(m_result.imagePath).completeBaseName() + QStringLiteral("-compare.png");
    const QString path = QFileDialog::getSaveFileName(this, tr("Save comparison"), suggested, tr("PNG image (*.png)"));
    if (!path.isEmpty())
        saveComparison(path);
}

QImage CompareView::renderComparison() const
{
    const QSize imageSize = m_result.original.isNull() ? QSize(640, 480) : m_result.original.size();
    const int w = imageSize.width();
    const int m = kExportMargin;
    QFont font;
    font.setPixelSize(std::max(14, w / 45));
    const QFontMetrics fm(font);
    const int line = fm.lineSpacing();
    const QStringList teacherLines = m_teacherStats->plainText().split(QLatin1Char('\n')).mid(1);
    const QStringList studentLines = m_studentStats->plainText().split(QLatin1Char('\n')).mid(1);
    const int statsLines = static_cast<int>(std::max(teacherLines.size(), studentLines.size()));
    const int titleH = line + m / 2;
    const int statsH = statsLines * line;
    const QString caption = summary().isEmpty() ? settingsText() : summary() + QStringLiteral("  ·  ") + settingsText();
    const int summaryH = line + m;

    QImage out(2 * w + 3 * m, m + titleH + imageSize.height() + m + statsH + summaryH + m, QImage::Format_RGB32);
    out.fill(Qt::white);
    QPainter p(&out);
    p.setRenderHint(QPainter::Antialiasing);
    p.setRenderHint(QPainter::SmoothPixmapTransform);
    p.setFont(font);

    const QString titles[2] = {m_teacherTitle->text(), m_studentTitle->text()};
    const DetectionView* views[2] = {m_teacherView, m_studentView};
    const QStringList* stats[2] = {&teacherLines, &studentLines};
    const QStringList flagged[2] = {m_teacherStats->flaggedClasses(), m_studentStats->flaggedClasses()};
    for (int i = 0; i < 2; ++i) {
        const int x = m + i * (w + m);
        int y = m;
        p.setPen(Qt::black);
        QFont bold = font;
        bold.setBold(true);
        p.setFont(bold);
        p.drawText(QRect(x, y, w, line), Qt::AlignLeft | Qt::AlignVCenter, titles[i]);
        p.setFont(font);
        y += titleH;
        views[i]->renderImage(&p, QRectF(QPointF(x, y), QSizeF(imageSize)));
        y += imageSize.height() + m;
        for (const QString& s : *stats[i]) {
            // plainText() marks exactly the flagged classes (names may contain spaces).
            const bool low = !flagged[i].isEmpty() && s.endsWith(tr(" (low)"));
            p.setPen(low ? warningColor().darker(140) : QColor(Qt::black));
            p.drawText(QRect(x, y, w, line), Qt::AlignLeft | Qt::AlignVCenter,
                       fm.elidedText(s, Qt::ElideRight, w));
            y += line;
        }
    }
    p.setPen(Qt::black);
    p.drawText(QRect(m, out.height() - m - line, out.width() - 2 * m, line), Qt::AlignLeft | Qt::AlignVCenter,
               fm.elidedText(caption, Qt::ElideRight, out.width() - 2 * m));
    return out;
}

bool CompareView::saveComparison(const QString& pngPath)
{
    const QImage image = renderComparison();
    if (!image.save(pngPath, "PNG")) {
        showError(tr("Could not write %1").arg(pngPath));
        return false;
    }
    return true;
}

} // namespace retort::widgets
