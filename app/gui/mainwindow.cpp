#include "mainwindow.h"

#include "exportdialog.h"
#include "inferenceworker.h"
#include "metatypes.h"
#include "runcontroller.h"
#include "settings.h"

#include "model/archspec.h"
#include "train/experimentconfig.h"
#include "train/runreader.h"
#include "util/resources.h"
#include "widgets/attentionview.h"
#include "widgets/compareview.h"
#include "widgets/experimentpanel.h"
#include "widgets/resultsview.h"
#include "widgets/runspanel.h"
#include "widgets/theme.h"
#include "widgets/trainingcharts.h"

#include <QAbstractButton>
#include <QAction>
#include <QSet>
#include <QPushButton>
#include <QActionGroup>
#include <QApplication>
#include <QCloseEvent>
#include <QDir>
#include <QDockWidget>
#include <QFile>
#include <QFileDialog>
#include <QFileInfo>
#include <QFontDatabase>
#include <QInputDialog>
#include <QLabel>
#include <QMenuBar>
#include <QMessageBox>
#include <QMimeData>
#include <QPlainTextEdit>
#include <QProgressBar>
#include <QSaveFile>
#include <QSplitter>
#include <QStatusBar>
#include <QTabWidget>
#include <QThread>
#include <QToolBar>

#include <filesystem>

namespace retort::app {

namespace {

SettingValue<QByteArray> g_geometry{QStringLiteral("window/geometry"), {}};
SettingValue<QByteArray> g_state{QStringLiteral("window/state"), {}};
SettingValue<QString> g_lastExperiment{QStringLiteral("experiment/last"), {}};
SettingValue<QStringList> g_recent{QStringLiteral("experiment/recent"), {}};
SettingValue<QString> g_theme{QStringLiteral("ui/theme"), QStringLiteral("system")};
SettingValue<QString> g_language{QStringLiteral("ui/language"), QStringLiteral("system")};
SettingValue<int> g_tab{QStringLiteral("window/tab"), 0};
SettingValue<double> g_confidence{QStringLiteral("compare/confidence"), 0.25};
SettingValue<double> g_iou{QStringLiteral("compare/iou"), 0.70};
SettingValue<double> g_warningLevel{QStringLiteral("compare/warningLevel"), 0.4};
SettingValue<QString> g_compareTeacher{QStringLiteral("compare/teacher"), {}};
SettingValue<QString> g_compareStudent{QStringLiteral("compare/student"), {}};
SettingValue<double> g_smoothing{QStringLiteral("charts/smoothing"), 0.6};
SettingValue<bool> g_logScale{QStringLiteral("charts/logScale"), false};

const char* const kDefaultExperiment = "experiments/shapes-quick.yaml";

QString formatEta(double seconds)
{
    const int s = static_cast<int>(seconds + 0.5);
    if (s >= 3600)
        return QStringLiteral("%1h%2m").arg(s / 3600).arg((s % 3600) / 60, 2, 10, QLatin1Char('0'));
    return QStringLiteral("%1m%2s").arg(s / 60).arg(s % 60, 2, 10, QLatin1Char('0'));
}

bool isImage(const QString& path)
{
    static const QStringList kExt{"jpg", "jpeg", "png", "bmp", "webp", "tif", "tiff"};
    return kExt.contains(QFileInfo(path).suffix().toLower());
}

bool isWeights(const QString& path)
{
    const QString s = QFileInfo(path).suffix().toLower();
    return s == "safetensors" || s == "pt" || s == "torchscript";
}

} // namespace

MainWindow::MainWindow(QWidget* parent) : QMainWindow(parent)
{
    setWindowTitle(tr("Retort — distillation workbench"));
    setObjectName(QStringLiteral("MainWindow"));
    setAcceptDrops(true);

    m_controller = new RunController(this);
    m_inferenceThread = new QThread(this);
    m_inferenceThread->setObjectName(QStringLiteral("inference"));
    m_worker = new InferenceWorker;
    m_worker->moveToThread(m_inferenceThread);
    connect(m_inferenceThread, &QThread::finished, m_worker, &QObject::deleteLater);
    m_inferenceThread->start();

    // Central tabs.
    m_tabs = new QTabWidget(this);
    m_tabs->setDocumentMode(true);
    auto* training = new QSplitter(Qt::Vertical, this);
    m_charts = new widgets::TrainingCharts(training);
    m_log = new QPlainTextEdit(training);
    m_log->setReadOnly(true);
    m_log->setMaximumBlockCount(5000);
    m_log->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_log->setPlaceholderText(tr("The run's log appears here."));
    training->addWidget(m_charts);
    training->addWidget(m_log);
    training->setStretchFactor(0, 4);
    training->setStretchFactor(1, 1);
    m_compare = new widgets::CompareView(this);
    m_attention = new widgets::AttentionView(this);
    m_results = new widgets::ResultsView(this);
    m_tabs->addTab(training, tr("&Training"));
    m_tabs->addTab(m_compare, tr("&Compare"));
    m_tabs->addTab(m_attention, tr("&Attention"));
    m_tabs->addTab(m_results, tr("&Results"));
    setCentralWidget(m_tabs);

    // Docks.
    m_experiment = new widgets::ExperimentPanel(this);
    {
        QStringList archs;
        for (const auto& name : builtinArchNames())
            archs << QString::fromStdString(name);
        m_experiment->setArchitectureSuggestions(archs);
    }
    auto* expDock = new QDockWidget(tr("Experiment"), this);
    expDock->setObjectName(QStringLiteral("ExperimentDock"));
    expDock->setWidget(m_experiment);
    addDockWidget(Qt::LeftDockWidgetArea, expDock);
    m_runs = new widgets::RunsPanel(this);
    auto* runsDock = new QDockWidget(tr("Runs"), this);
    runsDock->setObjectName(QStringLiteral("RunsDock"));
    runsDock->setWidget(m_runs);
    addDockWidget(Qt::LeftDockWidgetArea, runsDock);

    // Status bar.
    m_statusRun = new QLabel(tr("Idle"), this);
    m_statusProgress = new QLabel(this);
    m_statusStudy = new QLabel(this);
    m_progress = new QProgressBar(this);
    m_progress->setMaximumWidth(220);
    m_progress->setRange(0, 1000);
    m_progress->setTextVisible(false);
    m_progress->hide();
    statusBar()->addWidget(m_statusRun, 1);
    statusBar()->addPermanentWidget(m_statusStudy);
    statusBar()->addPermanentWidget(m_statusProgress);
    statusBar()->addPermanentWidget(m_progress);

    buildActions();
    buildMenus();
    connectController();

    // Compare / Attention inference.
    connect(m_compare, &widgets::CompareView::imageRequested, this, [this](const QString& path) {
        QMetaObject::invokeMethod(m_worker, "run", Q_ARG(QString, path), Q_ARG(int, m_compare->inferenceSize()));
    });
    connect(m_worker, &InferenceWorker::trainedSizeChanged, m_compare, &widgets::CompareView::setInferenceSize);
    m_compare->installImageKeys(m_attention); // the Attention tab shows the Compare tab's image
    connect(m_worker, &InferenceWorker::resultReady, m_compare, &widgets::CompareView::setResult);
    connect(m_worker, &InferenceWorker::resultReady, m_attention, &widgets::AttentionView::setResult);
    connect(m_worker, &InferenceWorker::failed, m_compare, &widgets::CompareView::showError);
    connect(m_worker, &InferenceWorker::imageFailed, m_compare, &widgets::CompareView::showImageError);
    connect(m_worker, &InferenceWorker::modelsLoaded, this, [this](const QString& t, const QString& s) {
        m_compare->clearError();
        statusBar()->showMessage(tr("Compare: teacher %1, student %2").arg(t.isEmpty() ? tr("none") : t,
                                                                             s.isEmpty() ? tr("none") : s), 5000);
        if (!m_compare->images().isEmpty())
            emit m_compare->imageRequested(m_compare->images().value(std::max(0, m_compare->currentIndex())));
    });

    // Panels.
    connect(m_experiment, &widgets::ExperimentPanel::validityChanged, this, &MainWindow::updateActions);
    connect(m_experiment, &widgets::ExperimentPanel::yamlChanged, this,
            [this] { setWindowModified(m_experiment->yaml() != m_savedYaml); });
    connect(m_experiment, &widgets::ExperimentPanel::runRequested, this, &MainWindow::startStudy);
    connect(m_runs, &widgets::RunsPanel::resumeRequested, this, &MainWindow::resumeRun);
    connect(m_runs, &widgets::RunsPanel::runActivated, this, [this](const QString& dir) {
        try {
            m_charts->loadRun(readRun(dir.toStdString()));
            m_tabs->setCurrentIndex(0);
            const QString best = dir + "/weights/best.safetensors";
            if (QFileInfo::exists(best))
                setCompareModels(m_teacherWeights, best);
        } catch (const std::exception& e) {
            QMessageBox::warning(this, tr("Open run"), QString::fromUtf8(e.what()));
        }
    });
    connect(m_runs, &widgets::RunsPanel::studyActivated, this, [this](const QString& csv) {
        if (m_results->loadStudy(csv))
            m_tabs->setCurrentWidget(m_results);
    });
    connect(m_results, &widgets::ResultsView::exportRequested, this, &MainWindow::exportWeights);

    restoreSettings();
    updateActions();
}

MainWindow::~MainWindow()
{
    m_inferenceThread->quit();
    m_inferenceThread->wait();
}

QString MainWindow::shortcutsText() const
{
    QStringList lines;
    QSet<QString> seen;
    for (const QAction* a : findChildren<QAction*>()) {
        if (a->shortcut().isEmpty())
            continue;
        const QString key = a->shortcut().toString(QKeySequence::NativeText);
        const QString line = key + QStringLiteral("\t") + QString(a->text()).remove(QLatin1Char('&')).remove(QStringLiteral("…"));
        if (!seen.contains(line)) {
            seen.insert(line);
            lines << line;
        }
    }
    lines.sort(Qt::CaseInsensitive);
    lines << tr("→ / PageDown\tCompare, Attention: next image") << tr("← / PageUp\tCompare, Attention: previous image")
          << tr("Wheel, drag\tCompare: zoom and pan both views");
    return lines.join(QLatin1Char('\n'));
}

QString MainWindow::workspace() const
{
    return QDir::currentPath();
}

void MainWindow::buildActions()
{
    auto make = [this](const QString& text, const QKeySequence& key, auto slot) {
        auto* a = new QAction(text, this);
        a->setShortcut(key);
        connect(a, &QAction::triggered, this, slot);
        addAction(a);
        return a;
    };
    m_openAction = make(tr("&Open experiment…"), QKeySequence::Open, [this] {
        const QString f = QFileDialog::getOpenFileName(this, tr("Open experiment"), workspace(),
                                                       tr("Experiments (*.yaml *.yml)"));
        if (!f.isEmpty())
            openExperiment(f);
    });
    m_saveAction = make(tr("&Save experiment"), QKeySequence::Save, [this] { saveExperiment(false); });
    m_saveAsAction = make(tr("Save experiment &as…"), QKeySequence::SaveAs, [this] { saveExperiment(true); });
    m_studyAction = make(tr("Run &study"), QKeySequence(Qt::Key_F5), &MainWindow::startStudy);
    m_studyAction->setToolTip(tr("Run every arm of the experiment: baseline, then each distillation method (F5)"));
    m_armAction = make(tr("Run one &arm…"), QKeySequence(Qt::SHIFT | Qt::Key_F5), &MainWindow::startSelectedArm);
    m_pauseAction = make(tr("&Pause"), QKeySequence(Qt::Key_F6), &MainWindow::togglePause);
    m_stopAction = make(tr("S&top (keeps a checkpoint)"), QKeySequence(Qt::Key_F8), &MainWindow::stopRun);
    m_openImagesAction = make(tr("Open &images…"), QKeySequence(Qt::CTRL | Qt::Key_I), [this] {
        const QStringList files = QFileDialog::getOpenFileNames(this, tr("Open images"), workspace(),
                                                                tr("Images (*.jpg *.jpeg *.png *.bmp *.webp)"));
        if (!files.isEmpty()) {
            m_compare->openImages(files);
            m_tabs->setCurrentWidget(m_compare);
        }
    });
    m_exportAction = make(tr("&Export to ONNX…"), QKeySequence(Qt::CTRL | Qt::Key_E), [this] {
        exportWeights(exportCandidate()); // the dialog browses for another (or the first) checkpoint
    });
}

void MainWindow::buildMenus()
{
    QMenu* file = menuBar()->addMenu(tr("&File"));
    file->addAction(m_openAction);
    m_recentMenu = file->addMenu(tr("Open &recent"));
    file->addAction(tr("Open the &default experiment"), this, [this] { openExperiment(QString()); });
    file->addAction(m_saveAction);
    file->addAction(m_saveAsAction);
    file->addSeparator();
    file->addAction(m_openImagesAction);
    file->addAction(tr("Choose &teacher weights…"), this, [this] { chooseModel(true); });
    file->addAction(tr("Choose st&udent weights…"), this, [this] { chooseModel(false); });
    file->addSeparator();
    file->addAction(m_exportAction);
    file->addSeparator();
    auto* quit = file->addAction(tr("&Quit"), this, &QWidget::close);
    quit->setShortcut(QKeySequence::Quit);

    QMenu* run = menuBar()->addMenu(tr("&Run"));
    run->addAction(m_studyAction);
    run->addAction(m_armAction);
    run->addAction(m_pauseAction);
    run->addAction(m_stopAction);
    run->addSeparator();
    // Not QKeySequence::Refresh: that is F5 on Linux, which runs the study.
    run->addAction(tr("&Refresh runs"), QKeySequence(Qt::CTRL | Qt::Key_R), m_runs, &widgets::RunsPanel::refresh);

    QMenu* view = menuBar()->addMenu(tr("&View"));
    for (int i = 0; i < m_tabs->count(); ++i) {
        auto* a = view->addAction(m_tabs->tabText(i).remove('&'), this, [this, i] { m_tabs->setCurrentIndex(i); });
        a->setShortcut(QKeySequence(Qt::CTRL | static_cast<Qt::Key>(Qt::Key_1 + i)));
    }
    view->addSeparator();
    for (QDockWidget* d : findChildren<QDockWidget*>())
        view->addAction(d->toggleViewAction());
    view->addSeparator();
    QMenu* theme = view->addMenu(tr("T&heme"));
    auto* themes = new QActionGroup(this);
    const std::pair<QString, QString> kThemes[] = {
        {QStringLiteral("system"), tr("System")}, {QStringLiteral("light"), tr("Light")}, {QStringLiteral("dark"), tr("Dark")}};
    for (const auto& [key, label] : kThemes) {
        QAction* a = theme->addAction(label);
        a->setCheckable(true);
        a->setChecked(g_theme.get() == key);
        themes->addAction(a);
        connect(a, &QAction::triggered, this, [key = key] {
            g_theme = key;
            widgets::applyTheme(*qApp, key == "dark" ? widgets::Theme::Dark
                                       : key == "light" ? widgets::Theme::Light : widgets::Theme::System);
        });
    }
    QMenu* language = view->addMenu(tr("&Language"));
    auto* languages = new QActionGroup(this);
    const std::pair<QString, QString> kLanguages[] = {
        {QStringLiteral("system"), tr("Follow the system")}, {QStringLiteral("en"), QStringLiteral("English")},
        {QStringLiteral("zh_CN"), QStringLiteral("简体中文")}};
    for (const auto& [key, label] : kLanguages) {
        QAction* a = language->addAction(label);
        a->setCheckable(true);
        a->setChecked(g_language.get() == key);
        languages->addAction(a);
        connect(a, &QAction::triggered, this, [this, key = key] {
            g_language = key;
            QMessageBox::information(this, tr("Language"), tr("The language changes when Retort starts next."));
        });
    }

    QMenu* help = menuBar()->addMenu(tr("&Help"));
    auto* keys = help->addAction(tr("&Keyboard shortcuts"), this, [this] {
        QMessageBox box(QMessageBox::Information, tr("Keyboard shortcuts"), shortcutsText(), QMessageBox::Close, this);
        box.setTextFormat(Qt::PlainText);
        box.exec();
    });
    keys->setShortcut(QKeySequence::HelpContents);
    help->addAction(tr("&About Retort"), this, [this] {
        QMessageBox::about(this, tr("About Retort"),
                           tr("<b>Retort %1</b><p>Knowledge distillation workbench for YOLOv8 detectors: "
                              "libtorch training with logit, localisation, feature and relation KD, "
                              "live loss plots, teacher/student comparison and ONNX export.</p>")
                               .arg(QStringLiteral(RETORT_VERSION)));
    });

    QToolBar* bar = addToolBar(tr("Run"));
    bar->setObjectName(QStringLiteral("RunToolBar"));
    bar->addAction(m_openAction);
    bar->addAction(m_studyAction);
    bar->addAction(m_armAction);
    bar->addAction(m_pauseAction);
    bar->addAction(m_stopAction);
    bar->addSeparator();
    bar->addAction(m_openImagesAction);
    bar->addAction(m_exportAction);
}

void MainWindow::connectController()
{
    connect(m_controller, &RunController::runStarted, this, &MainWindow::onRunStarted);
    connect(m_controller, &RunController::stepsReady, this, &MainWindow::onSteps);
    connect(m_controller, &RunController::epochEnded, m_charts, &widgets::TrainingCharts::addEpoch);
    connect(m_controller, &RunController::validated, m_charts, &widgets::TrainingCharts::addVal);
    connect(m_controller, &RunController::runFinished, this, &MainWindow::onRunFinished);
    connect(m_controller, &RunController::jobFinished, this, &MainWindow::onJobFinished);
    connect(m_controller, &RunController::stateChanged, this, [this](RunState state) {
        updateActions();
        showRunState(state);
    });
    connect(m_controller, &RunController::checkpointWritten, this, [this](const CheckpointInfo& c) {
        // The last-weights checkpoint follows each epoch's results.csv row (and a stop): the Runs
        // panel's epoch and best mAP move on. The best one right after it needs no second rescan.
        if (c.best && m_runInfo.arm != "teacher") // the study's teacher is not what one exports
            m_lastBest = QString::fromStdString(c.path);
        else
            m_runs->refresh();
    });
    connect(m_controller, &RunController::logLine, this, [this](const QString& line) {
        m_log->appendPlainText(line);
        // A study reuses the runs it finished before: "<arm>: reusing the finished run in …".
        const int at = line.indexOf(QStringLiteral(": reusing the finished run"));
        if (at > 0 && m_studyPlan.contains(line.left(at))) {
            m_studyDone.insert(line.left(at));
            updateStudyProgress();
        }
    });
    connect(m_controller, &RunController::failed, this, [this](const QString& message) {
        m_log->appendPlainText(tr("error: %1").arg(message));
        QMessageBox::critical(this, tr("Run failed"), message);
    });
}

bool MainWindow::openExperiment(const QString& path)
{
    QString text;
    QString source = path;
    if (path.isEmpty()) {
        const auto embedded = embeddedResource(kDefaultExperiment);
        if (!embedded)
            return false;
        text = QString::fromUtf8(embedded->data(), static_cast<int>(embedded->size()));
        source = QString::fromLatin1(kDefaultExperiment);
    } else {
        QFile f(path);
        if (!f.open(QIODevice::ReadOnly)) {
            QMessageBox::warning(this, tr("Open experiment"), tr("%1: %2").arg(path, f.errorString()));
            return false;
        }
        text = QString::fromUtf8(f.readAll());
        addRecent(QFileInfo(path).absoluteFilePath());
        g_lastExperiment = QFileInfo(path).absoluteFilePath();
    }
    m_experiment->setYaml(text, source);
    m_experiment->validate();
    if (m_experiment->isValid()) {
        const ExperimentConfig& c = m_experiment->config();
        m_runs->setRunsDir(QString::fromStdString(c.project));
        m_studyDir = QString::fromStdString(c.studyDir());
        m_teacherWeights = QString::fromStdString(c.teacher.weights);
        const QString csv = m_studyDir + "/study.csv";
        if (QFileInfo::exists(csv))
            m_results->loadStudy(csv);
    }
    m_savedYaml = m_experiment->yaml();
    setWindowModified(false);
    setWindowTitle(tr("%1[*] — Retort").arg(QFileInfo(source).fileName()));
    updateActions();
    return true;
}

bool MainWindow::saveExperiment(bool saveAs)
{
    QString path = m_experiment->sourcePath();
    if (saveAs || path.isEmpty() || !QFileInfo(path).isAbsolute() || path == QLatin1String(kDefaultExperiment))
        path = QFileDialog::getSaveFileName(this, tr("Save experiment"), workspace() + "/experiment.yaml",
                                            tr("Experiments (*.yaml *.yml)"));
    if (path.isEmpty())
        return false;
    QSaveFile f(path);
    if (!f.open(QIODevice::WriteOnly) || f.write(m_experiment->yaml().toUtf8()) < 0 || !f.commit()) {
        QMessageBox::warning(this, tr("Save experiment"), tr("%1: %2").arg(path, f.errorString()));
        return false;
    }
    m_experiment->setYaml(m_experiment->yaml(), path);
    m_savedYaml = m_experiment->yaml();
    setWindowModified(false);
    setWindowTitle(tr("%1[*] — Retort").arg(QFileInfo(path).fileName()));
    addRecent(path);
    g_lastExperiment = path;
    statusBar()->showMessage(tr("Saved %1").arg(path), 3000);
    return true;
}

bool MainWindow::settleUnsavedChanges(const QString& action)
{
    if (!isWindowModified())
        return true;
    const auto answer = QMessageBox::question(
        this, tr("Unsaved changes"), tr("The experiment has unsaved changes. Save them before %1?").arg(action),
        QMessageBox::Save | QMessageBox::Discard | QMessageBox::Cancel, QMessageBox::Save);
    if (answer == QMessageBox::Cancel)
        return false;
    return answer == QMessageBox::Discard || saveExperiment(false);
}

void MainWindow::addRecent(const QString& path)
{
    QStringList r = g_recent;
    r.removeAll(path);
    r.prepend(path);
    while (r.size() > 8)
        r.removeLast();
    g_recent = r;
    rebuildRecentMenu();
}

void MainWindow::rebuildRecentMenu()
{
    m_recentMenu->clear();
    const QStringList r = g_recent;
    for (const QString& p : r)
        m_recentMenu->addAction(QFileInfo(p).fileName() + "  —  " + QFileInfo(p).absolutePath(), this,
                                [this, p] { openExperiment(p); });
    m_recentMenu->setEnabled(!r.isEmpty());
}

void MainWindow::chooseModel(bool teacher)
{
    const QString f = QFileDialog::getOpenFileName(this, teacher ? tr("Teacher weights") : tr("Student weights"),
                                                   workspace(), tr("Weights (*.safetensors *.pt *.torchscript)"));
    if (f.isEmpty())
        return;
    if (teacher)
        setCompareModels(f, m_studentWeights);
    else
        setCompareModels(m_teacherWeights, f);
}

void MainWindow::setCompareModels(const QString& teacher, const QString& student)
{
    m_teacherWeights = teacher;
    m_studentWeights = student;
    QMetaObject::invokeMethod(m_worker, "setModels", Q_ARG(QString, teacher), Q_ARG(QString, student));
}

void MainWindow::openImages(const QStringList& paths)
{
    m_compare->openImages(paths);
    m_tabs->setCurrentWidget(m_compare);
}

bool MainWindow::openStudy(const QString& studyCsvPath)
{
    if (!m_results->loadStudy(studyCsvPath))
        return false;
    const QDir studyDir = QFileInfo(studyCsvPath).absoluteDir();
    m_studyDir = studyDir.absolutePath();
    m_runs->setRunsDir(QFileInfo(m_studyDir).absolutePath());
    m_tabs->setCurrentWidget(m_results);
    return true;
}

void MainWindow::exportWeights(const QString& weights)
{
    ExportDialog d(weights, this);
    d.exec();
}

void MainWindow::startStudy()
{
    if (m_controller->isRunning() || !m_experiment->isValid() || !settleUnsavedChanges(tr("running the study")))
        return;
    m_log->clear();
    m_charts->clear();
    const ExperimentConfig& c = m_experiment->config();
    m_studyDir = QString::fromStdString(c.studyDir());
    m_runs->setRunsDir(QString::fromStdString(c.project));
    m_runInfo = RunInfo{};
    m_studyPlan.clear();
    m_studyDone.clear();
    m_studySecondsDone = 0;
    m_studyRunsTimed = 0;
    m_runEta = 0;
    if (c.teacher.finetuneEpochs > 0 || (c.teacher.weights.empty() && c.teacher.pretrainEpochs > 0))
        m_studyPlan << QStringLiteral("teacher");
    for (const auto& a : c.arms)
        m_studyPlan << QString::fromStdString(a);
    m_controller->startStudy(c);
    updateStudyProgress();
    m_tabs->setCurrentIndex(0);
    updateActions();
}

void MainWindow::startSelectedArm()
{
    if (m_controller->isRunning() || !m_experiment->isValid())
        return;
    const ExperimentConfig& c = m_experiment->config();
    QStringList arms;
    for (const auto& a : c.arms)
        arms << QString::fromStdString(a);
    bool ok = false;
    const QString arm = QInputDialog::getItem(this, tr("Run one arm"), tr("Arm"), arms, 0, false, &ok);
    if (ok && !arm.isEmpty())
        startArm(arm);
}

void MainWindow::startArm(const QString& arm)
{
    if (m_controller->isRunning() || !m_experiment->isValid() || !settleUnsavedChanges(tr("running the arm")))
        return;
    try {
        const ExperimentConfig armCfg = armConfig(m_experiment->config(), arm.toStdString());
        m_charts->clear();
        m_controller->startRun(armCfg, QFileInfo::exists(QString::fromStdString(armCfg.runDir() + "/weights/last.state")));
        m_tabs->setCurrentIndex(0);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Run one arm"), QString::fromUtf8(e.what()));
    }
    updateActions();
}

void MainWindow::resumeRun(const QString& runDir)
{
    if (m_controller->isRunning())
        return;
    try {
        const std::string args = (std::filesystem::path(runDir.toStdString()) / "args.yaml").string();
        const ExperimentConfig c = loadExperiment(args);
        m_charts->clear();
        m_controller->startRun(c, true);
        m_tabs->setCurrentIndex(0);
    } catch (const std::exception& e) {
        QMessageBox::warning(this, tr("Resume run"), QString::fromUtf8(e.what()));
    }
    updateActions();
}

void MainWindow::togglePause()
{
    if (!m_controller->isRunning())
        return;
    if (m_controller->state() == RunState::Paused)
        m_controller->resume();
    else
        m_controller->pause();
}

void MainWindow::stopRun()
{
    if (m_controller->isRunning()) {
        m_controller->stop();
        m_statusRun->setText(tr("Stopping after this step (a checkpoint is written)…"));
    }
}

QString MainWindow::runStatusText() const
{
    return m_statusRun->text();
}

void MainWindow::showRunState(RunState state)
{
    const QString run = tr("%1 / %2").arg(QString::fromStdString(m_runInfo.experiment), QString::fromStdString(m_runInfo.arm));
    const QString dir = QString::fromStdString(m_runInfo.runDir);
    switch (state) {
    case RunState::Paused:
        m_statusRun->setText(tr("%1: paused (F6 resumes)").arg(run));
        m_runs->setLiveState(dir, tr("paused"));
        break;
    case RunState::Stopping:
        m_statusRun->setText(tr("Stopping after this step (a checkpoint is written)…"));
        m_runs->setLiveState(dir, tr("stopping"));
        break;
    case RunState::Validating:
        m_statusRun->setText(tr("%1: validating").arg(run));
        m_runs->setLiveState(dir, tr("validating"));
        break;
    case RunState::Training:
        m_statusRun->setText(run);
        m_runs->setLiveState(dir, tr("running"));
        break;
    case RunState::Preparing:
    case RunState::Idle:
    case RunState::Finished:
    case RunState::Failed:
        m_runs->setLiveState(QString(), QString());
        break;
    }
}

QString MainWindow::studyProgressText() const
{
    return m_statusStudy->text();
}

void MainWindow::updateStudyProgress()
{
    if (m_studyPlan.isEmpty()) {
        m_statusStudy->clear();
        return;
    }
    const QString current = QString::fromStdString(m_runInfo.arm);
    QStringList pending;
    for (const QString& run : m_studyPlan)
        if (!m_studyDone.contains(run) && !(run == current && m_controller->isRunning()))
            pending << run;
    QString text = tr("study: %1 of %2 runs done").arg(m_studyDone.size()).arg(m_studyPlan.size());
    const bool running = m_controller->isRunning() && m_studyPlan.contains(current) && !m_studyDone.contains(current);
    if (running)
        text += pending.isEmpty() ? tr(" (now %1)").arg(current) : tr(" (now %1; pending: %2)").arg(current, pending.join(QStringLiteral(", ")));
    else if (!pending.isEmpty())
        text += tr(" (pending: %1)").arg(pending.join(QStringLiteral(", ")));
    // Study ETA: the current run's own ETA plus, for each pending run, the mean time of the
    // runs finished so far (or of the current one, elapsed + ETA, before any has finished).
    if (running && m_runEta > 0) {
        const double thisRun = m_runClock.isValid() ? m_runClock.elapsed() / 1000.0 + m_runEta : m_runEta;
        const double perRun = m_studyRunsTimed > 0 ? m_studySecondsDone / m_studyRunsTimed : thisRun;
        text += tr("  ·  study ETA %1").arg(formatEta(m_runEta + perRun * pending.size()));
    }
    m_statusStudy->setText(text);
}

void MainWindow::onRunStarted(const RunInfo& info)
{
    m_runInfo = info;
    m_runClock.start();
    m_runEta = 0;
    updateStudyProgress();
    m_charts->startRun(info);
    // A resumed run: its files hold the history up to the checkpoint (a fresh run's are gone by now).
    if (QFileInfo::exists(QString::fromStdString(info.runDir) + QStringLiteral("/events.jsonl"))) {
        try {
            m_charts->appendHistory(readRun(info.runDir));
        } catch (const std::exception& e) {
            m_log->appendPlainText(QString::fromUtf8(e.what()));
        }
    }
    m_statusRun->setText(tr("%1 / %2").arg(QString::fromStdString(info.experiment), QString::fromStdString(info.arm)));
    m_progress->setValue(0);
    m_progress->show();
    m_runs->refresh();
}

void MainWindow::onSteps(const QVector<StepMetrics>& steps)
{
    for (const auto& s : steps)
        m_charts->addStep(s);
    if (steps.isEmpty())
        return;
    const StepMetrics& s = steps.back();
    m_statusProgress->setText(tr("epoch %1/%2  batch %3/%4  %5 img/s  ETA %6")
                                  .arg(s.epoch + 1)
                                  .arg(s.epochs)
                                  .arg(s.batch + 1)
                                  .arg(s.batchesPerEpoch)
                                  .arg(s.imagesPerSecond, 0, 'f', 1)
                                  .arg(formatEta(s.etaSeconds)));
    const double done = (s.epoch + (s.batch + 1.0) / std::max(1, s.batchesPerEpoch)) / std::max(1, s.epochs);
    m_progress->setValue(static_cast<int>(1000 * done));
    m_runEta = s.etaSeconds;
    updateStudyProgress();
}

void MainWindow::onRunFinished(const RunSummary& summary)
{
    const QString arm = QString::fromStdString(m_runInfo.arm);
    if (!summary.stopped && m_studyPlan.contains(arm)) {
        m_studyDone.insert(arm);
        if (m_runClock.isValid()) {
            m_studySecondsDone += m_runClock.elapsed() / 1000.0;
            ++m_studyRunsTimed;
        }
        updateStudyProgress();
    }
    if (!summary.bestWeights.empty() && m_runInfo.arm != "teacher")
        m_lastBest = QString::fromStdString(summary.bestWeights);
    m_runs->refresh();
    if (!m_lastBest.isEmpty())
        setCompareModels(m_teacherWeights, m_lastBest);
}

void MainWindow::onJobFinished(bool ok, const QString& message)
{
    m_studyPlan.clear();
    m_studyDone.clear();
    updateStudyProgress();
    m_progress->hide();
    m_statusProgress->clear();
    m_statusRun->setText(ok ? tr("Done") : tr("Failed: %1").arg(message));
    if (!message.isEmpty())
        m_log->appendPlainText(message);
    const QString csv = m_studyDir + "/study.csv";
    if (ok && QFileInfo::exists(csv) && m_results->loadStudy(csv))
        m_tabs->setCurrentWidget(m_results);
    m_runs->refresh();
    updateActions();
}

void MainWindow::updateActions()
{
    const bool running = m_controller->isRunning();
    const bool valid = m_experiment->isValid();
    m_studyAction->setEnabled(!running && valid);
    m_armAction->setEnabled(!running && valid);
    m_pauseAction->setEnabled(running);
    m_pauseAction->setText(m_controller->state() == RunState::Paused ? tr("&Resume") : tr("&Pause"));
    m_stopAction->setEnabled(running);
}

void MainWindow::restoreSettings()
{
    rebuildRecentMenu();
    const QString last = g_lastExperiment;
    if (last.isEmpty() || !QFileInfo::exists(last) || !openExperiment(last))
        openExperiment(QString()); // first start: the embedded default study, one click from running
    restoreGeometry(g_geometry);
    restoreState(g_state);
    m_tabs->setCurrentIndex(std::clamp<int>(g_tab, 0, m_tabs->count() - 1));
    m_compare->setConfidence(g_confidence);
    m_compare->setIou(g_iou);
    m_compare->setWarningLevel(g_warningLevel);
    m_charts->setSmoothing(g_smoothing);
    m_charts->setLogScale(g_logScale);
    // The Compare models of last time, where their files still exist.
    const auto existing = [](const QString& p) { return !p.isEmpty() && QFileInfo::exists(p) ? p : QString(); };
    const QString teacher = existing(g_compareTeacher), student = existing(g_compareStudent);
    if (!teacher.isEmpty() || !student.isEmpty())
        setCompareModels(teacher, student);
}

void MainWindow::saveSettings()
{
    g_geometry = saveGeometry();
    g_state = saveState();
    g_tab = m_tabs->currentIndex();
    g_confidence = m_compare->confidence();
    g_iou = m_compare->iou();
    g_warningLevel = m_compare->warningLevel();
    g_compareTeacher = m_teacherWeights;
    g_compareStudent = m_studentWeights;
    g_smoothing = m_charts->smoothing();
    g_logScale = m_charts->logScale();
}

void MainWindow::closeEvent(QCloseEvent* event)
{
    if (!settleUnsavedChanges(tr("quitting"))) {
        event->ignore();
        return;
    }
    if (m_controller->isRunning()) {
        const auto answer = QMessageBox::question(
            this, tr("A run is going"),
            tr("Stop the run and quit? A checkpoint is written, and the run resumes from it later."),
            QMessageBox::Yes | QMessageBox::No, QMessageBox::No);
        if (answer != QMessageBox::Yes) {
            event->ignore();
            return;
        }
        m_controller->stop();
        m_controller->waitForFinished();
    }
    saveSettings();
    event->accept();
}

void MainWindow::dragEnterEvent(QDragEnterEvent* event)
{
    if (event->mimeData()->hasUrls())
        event->acceptProposedAction();
}

void MainWindow::dropEvent(QDropEvent* event)
{
    QStringList images;
    for (const QUrl& url : event->mimeData()->urls()) {
        const QString path = url.toLocalFile();
        const QString suffix = QFileInfo(path).suffix().toLower();
        if (suffix == "yaml" || suffix == "yml") {
            openExperiment(path);
        } else if (isWeights(path)) {
            QMessageBox box(QMessageBox::Question, tr("Weights dropped"),
                            tr("Use %1 as the teacher or the student in Compare?").arg(QFileInfo(path).fileName()),
                            QMessageBox::Cancel, this);
            auto* t = box.addButton(tr("Teacher"), QMessageBox::AcceptRole);
            auto* s = box.addButton(tr("Student"), QMessageBox::AcceptRole);
            box.exec();
            if (box.clickedButton() == static_cast<QAbstractButton*>(t))
                setCompareModels(path, m_studentWeights);
            else if (box.clickedButton() == static_cast<QAbstractButton*>(s))
                setCompareModels(m_teacherWeights, path);
        } else if (isImage(path) || QFileInfo(path).isDir()) {
            images << path;
        }
    }
    if (!images.isEmpty()) {
        m_compare->openImages(images);
        m_tabs->setCurrentWidget(m_compare);
    }
    event->acceptProposedAction();
}

} // namespace retort::app
