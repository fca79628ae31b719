// AttentionView: one row per aligned layer, cosine in the header, spatial/channel selector.
#include "widgets/attentionview.h"
#include "widgets/colorscalebar.h"

#include <QComboBox>
#include <QSignalSpy>
#include <QtTest>

using namespace retort::widgets;

class TestAttentionView : public QObject
{
    Q_OBJECT
private slots:
    void rowsFollowLayers();
    void selectorSwitchesMaps();
    void scaleMatchesColormap();
};

namespace {
QImage filled(QColor c)
{
    QImage img(40, 30, QImage::Format_RGB32);
    img.fill(c);
    return img;
}

ComparisonResult twoLayers()
{
    ComparisonResult r;
    r.imagePath = QStringLiteral("/x/bus.jpg");
    r.original = filled(Qt::gray);
    r.teacherName = QStringLiteral("yolov8s");
    r.studentName = QStringLiteral("yolov8n");
    r.hasTeacher = r.hasStudent = true;
    for (int i = 0; i < 2; ++i) {
        LayerAttention l;
        l.name = i == 0 ? QStringLiteral("P3/8") : QStringLiteral("P4/16");
        l.teacherLayer = l.studentLayer = 15 + 3 * i;
        l.spatial = {filled(Qt::red), filled(Qt::green), filled(Qt::blue), i == 0 ? 0.8704 : 0.5};
        l.channel = {filled(Qt::cyan), filled(Qt::magenta), filled(Qt::yellow), 0.25};
        // P3: other channel counts and no adapter; P4: the student through its KD adapter.
        l.teacherChannel = 17;
        l.studentChannel = i == 0 ? 3 : 17;
        l.channelMatch = i == 0 ? ChannelMatch::NotAligned : ChannelMatch::Adapter;
        r.layers.push_back(l);
    }
    return r;
}
} // namespace

void TestAttentionView::rowsFollowLayers()
{
    AttentionView view;
    QCOMPARE(view.rowCount(), 0);
    view.setResult(twoLayers());
    QCOMPARE(view.rowCount(), 2);
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("P3/8")));
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("layer 15")));
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("cos 0.870")));
    QVERIFY(view.rowHeader(1).contains(QStringLiteral("cos 0.500")));
    const std::vector<QImage> images = view.rowImages(0);
    QCOMPARE(images.size(), size_t{3});
    QCOMPARE(images[0].pixelColor(0, 0), QColor(Qt::red));
    QCOMPARE(images[2].pixelColor(0, 0), QColor(Qt::blue));
    // A result without attention (one model only) empties the grid.
    ComparisonResult single = twoLayers();
    single.layers.clear();
    view.setResult(single);
    QCOMPARE(view.rowCount(), 0);
}

void TestAttentionView::selectorSwitchesMaps()
{
    AttentionView view;
    view.setResult(twoLayers());
    QSignalSpy spy(&view, &AttentionView::modeChanged);
    auto* combo = view.findChild<QComboBox*>();
    QVERIFY(combo);
    combo->setCurrentIndex(1);
    QCOMPARE(spy.count(), 1);
    QCOMPARE(view.mode(), AttentionView::Mode::Channel);
    QCOMPARE(view.rowImages(1)[1].pixelColor(0, 0), QColor(Qt::magenta));
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("cos 0.250")));
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("channels 17 / 3")));
    QVERIFY(view.rowHeader(0).contains(QStringLiteral("not aligned (no adapter)")));
    QVERIFY(view.rowHeader(1).contains(QStringLiteral("channel 17")));
    QVERIFY(view.rowHeader(1).contains(QStringLiteral("via KD adapter")));
    QVERIFY(!view.rowHeader(1).contains(QStringLiteral("not aligned")));
    view.setMode(AttentionView::Mode::Spatial);
    QVERIFY(!view.rowHeader(0).contains(QStringLiteral("not aligned")));
    QCOMPARE(combo->currentIndex(), 0);
    QCOMPARE(view.rowImages(1)[1].pixelColor(0, 0), QColor(Qt::green));
}

void TestAttentionView::scaleMatchesColormap()
{
    // TURBO runs from dark blue-violet (0) to dark red (1).
    const QImage g = ColorScaleBar::gradient();
    QCOMPARE(g.size(), QSize(256, 1));
    const QColor lo = g.pixelColor(0, 0), hi = g.pixelColor(255, 0);
    QVERIFY(lo.blue() > lo.red() && lo.blue() > lo.green());
    QVERIFY(hi.red() > hi.green() && hi.red() > hi.blue());
}

QTEST_MAIN(TestAttentionView)
#include "tst_attentionview.moc"
