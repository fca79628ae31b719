// Re-filtering stored detections, teacher/student matching and the count reports.
#include "eval/detectionfilter.h"

#include <QtTest>

using namespace retort;

class TestDetectionFilter : public QObject
{
    Q_OBJECT
private slots:
    void iou();
    void filter_data();
    void filter();
    void matching();
    void matchingIsOneToOne();
    void reports();
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

QString scores(const std::vector<Detection>& dets)
{
    QStringList out;
    for (const auto& d : dets)
        out << QString::number(d.score);
    return out.join(' ');
}
} // namespace

void TestDetectionFilter::iou()
{
    // 9x9 intersection of two 10x10 boxes: 81 / 119.
    QVERIFY(std::abs(boxIou(det(0, "a", 1, 0, 0, 10, 10), det(0, "a", 1, 1, 1, 11, 11)) - 81.0 / 119.0) < 1e-9);
    QCOMPARE(boxIou(det(0, "a", 1, 0, 0, 10, 10), det(0, "a", 1, 10, 0, 20, 10)), 0.0);
    QCOMPARE(boxIou(det(0, "a", 1, 0, 0, 10, 10), det(0, "a", 1, 0, 0, 10, 10)), 1.0);
}

void TestDetectionFilter::filter_data()
{
    QTest::addColumn<double>("conf");
    QTest::addColumn<double>("iou");
    QTest::addColumn<bool>("agnostic");
    QTest::addColumn<QString>("expected");
    // A person .9, B person .8 (IoU(A,B) = 0.68), C car .85 on B's box, D person .3 apart, E person .05 on A.
    QTest::newRow("conf.25 iou.7") << 0.25 << 0.7 << false << "0.9 0.85 0.8 0.3";
    QTest::newRow("conf.25 iou.5") << 0.25 << 0.5 << false << "0.9 0.85 0.3";
    QTest::newRow("agnostic iou.5") << 0.25 << 0.5 << true << "0.9 0.3";
    QTest::newRow("conf.5") << 0.5 << 0.7 << false << "0.9 0.85 0.8";
    QTest::newRow("strict threshold") << 0.9 << 0.7 << false << "";
    QTest::newRow("low conf keeps E? no: A suppresses it") << 0.001 << 0.7 << false << "0.9 0.85 0.8 0.3";
    QTest::newRow("iou 1 keeps duplicates") << 0.001 << 1.0 << false << "0.9 0.85 0.8 0.3 0.05";
}

void TestDetectionFilter::filter()
{
    QFETCH(double, conf);
    QFETCH(double, iou);
    QFETCH(bool, agnostic);
    QFETCH(QString, expected);
    const std::vector<Detection> stored = {
        det(0, "person", 0.3f, 50, 50, 60, 60), det(0, "person", 0.8f, 1, 1, 11, 11),
        det(2, "car", 0.85f, 1, 1, 11, 11),     det(0, "person", 0.9f, 0, 0, 10, 10),
        det(0, "person", 0.05f, 0, 0, 10, 10),
    };
    QCOMPARE(scores(filterDetections(stored, conf, iou, agnostic)), expected);
}

void TestDetectionFilter::matching()
{
    const std::vector<Detection> teacher = {det(0, "person", 0.9f, 0, 0, 10, 10), det(0, "person", 0.8f, 20, 0, 30, 10),
                                            det(2, "car", 0.7f, 40, 0, 50, 10)};
    // person at IoU 90/110 = 0.82; a car where the teacher has a person (class differs); a dog nowhere.
    const std::vector<Detection> student = {det(0, "person", 0.85f, 1, 0, 11, 10), det(2, "car", 0.6f, 20, 0, 30, 10),
                                            det(16, "dog", 0.5f, 100, 100, 110, 110)};
    const DetectionMatch m = matchDetections(teacher, student);
    QCOMPARE(m.matchedA, (std::vector<bool>{true, false, false}));
    QCOMPARE(m.matchedB, (std::vector<bool>{true, false, false}));
    QCOMPARE(m.unmatchedA(), 2);
    QCOMPARE(m.unmatchedB(), 2);
    // IoU 0.82 fails a 0.9 threshold.
    QCOMPARE(matchDetections(teacher, student, 0.9).unmatchedA(), 3);
}

void TestDetectionFilter::matchingIsOneToOne()
{
    // Two teacher boxes on one student box: the higher-scoring teacher box takes it.
    const std::vector<Detection> teacher = {det(0, "person", 0.5f, 0, 0, 10, 10), det(0, "person", 0.9f, 0, 0, 10, 11)};
    const std::vector<Detection> student = {det(0, "person", 0.7f, 0, 0, 10, 10)};
    const DetectionMatch m = matchDetections(teacher, student);
    QCOMPARE(m.matchedA, (std::vector<bool>{false, true}));
    QCOMPARE(m.matchedB, (std::vector<bool>{true}));
}

void TestDetectionFilter::reports()
{
    std::vector<Detection> d;
    for (const float s : {0.76f, 0.92f, 0.5f, 0.87f, 0.31f})
        d.push_back(det(0, "person", s, 0, 0, 1, 1));
    for (const float s : {0.6f, 0.7f, 0.8f})
        d.push_back(det(2, "car", s, 0, 0, 1, 1));
    for (const float s : {0.45f, 0.55f})
        d.push_back(det(1, "bicycle", s, 0, 0, 1, 1));
    d.push_back(det(15, "cat", 0.4f, 0, 0, 1, 1));
    d.push_back(det(5, "bus", 0.99f, 0, 0, 1, 1));
    QCOMPARE(countReport(d), std::string("person 5, car 3, bicycle 2, bus 1, cat 1"));
    const auto counts = classCounts(d);
    QCOMPARE(counts.size(), size_t{5});
    QCOMPARE(counts[1], (std::pair<std::string, int>{"car", 3}));
    const std::vector<std::string> lines = confidenceLines(d);
    QCOMPARE(lines.size(), size_t{5});
    QCOMPARE(lines[0], std::string("person: 0.92 0.87 0.76 0.50 0.31"));
    QCOMPARE(lines[1], std::string("car: 0.80 0.70 0.60"));
    QCOMPARE(lines[3], std::string("bus: 0.99"));
    QCOMPARE(countReport({}), std::string());
}

QTEST_APPLESS_MAIN(TestDetectionFilter)
#include "tst_detectionfilter.moc"
