#include "exportdialog.h"

#include "export/onnxexporter.h"
#include "io/weights.h"

#include <QCheckBox>
#include <QComboBox>
#include <QDesktopServices>
#include <QDialogButtonBox>
#include <QFileDialog>
#include <QFileInfo>
#include <QFormLayout>
#include <QFontDatabase>
#include <QHBoxLayout>
#include <QLabel>
#include <QLineEdit>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QUrl>
#include <QVBoxLayout>
#include <QtConcurrent/QtConcurrentRun>

namespace retort::app {

ExportDialog::ExportDialog(const QString& weightsPath, QWidget* parent) : QDialog(parent)
{
    setWindowTitle(tr("Export to ONNX"));
    m_weights = new QLineEdit(this);
    m_weights->setPlaceholderText(tr(".safetensors, .pt or .torchscript"));
    auto* browseWeights = new QPushButton(tr("Browse…"), this);
    connect(browseWeights, &QPushButton::clicked, this, &ExportDialog::browseCheckpoint);
    connect(m_weights, &QLineEdit::editingFinished, this, [this] {
        if (m_weights->isModified())
            setCheckpoint(m_weights->text().trimmed());
    });
    auto* weightsRow = new QHBoxLayout;
    weightsRow->addWidget(m_weights, 1);
    weightsRow->addWidget(browseWeights);
    m_output = new QLineEdit(this);
    auto* browseButton = new QPushButton(tr("Browse…"), this);
    connect(browseButton, &QPushButton::clicked, this, &ExportDialog::browse);
    auto* outRow = new QHBoxLayout;
    outRow->addWidget(m_output, 1);
    outRow->addWidget(browseButton);

    auto spin = [this](int v) {
        auto* s = new QSpinBox(this);
        s->setRange(32, 4096);
        s->setSingleStep(32);
        s->setValue(v);
        return s;
    };
    m_height = spin(640);
    m_width = spin(640);
    auto* sizeRow = new QHBoxLayout;
    sizeRow->addWidget(m_height);
    sizeRow->addWidget(new QLabel(QStringLiteral("×"), this));
    sizeRow->addWidget(m_width);
    sizeRow->addStretch();
    m_dynamic = new QCheckBox(tr("Dynamic batch, height and width"), this);
    m_opset = new QComboBox(this);
    for (int v = 12; v <= 17; ++v)
        m_opset->addItem(QString::number(v), v);
    m_opset->setToolTip(tr("Opset 12 loads in the most runtimes (OpenCV DNN, older TensorRT and RKNN converters)"));
    m_half = new QCheckBox(tr("FP16 weights and I/O"), this);

    auto* form = new QFormLayout;
    form->addRow(tr("Checkpoint"), weightsRow);
    form->addRow(tr("Output"), outRow);
    form->addRow(tr("Image size (h × w)"), sizeRow);
    form->addRow(tr("Opset"), m_opset);
    form->addRow(QString(), m_dynamic);
    form->addRow(QString(), m_half);

    m_report = new QPlainTextEdit(this);
    m_report->setReadOnly(true);
    m_report->setFont(QFontDatabase::systemFont(QFontDatabase::FixedFont));
    m_report->setPlaceholderText(tr("The export checks its graph with onnx, shape inference and OpenCV DNN "
                                    "before writing the file; the outcome appears here."));
    m_buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    auto* exportButton = m_buttons->addButton(tr("Export"), QDialogButtonBox::AcceptRole);
    exportButton->setDefault(true);
    connect(exportButton, &QPushButton::clicked, this, &ExportDialog::startExport);
    m_openFolder = m_buttons->addButton(tr("Open folder"), QDialogButtonBox::ActionRole);
    m_openFolder->setEnabled(false);
    connect(m_openFolder, &QPushButton::clicked, this, [this] {
        QDesktopServices::openUrl(QUrl::fromLocalFile(QFileInfo(m_output->text()).absolutePath()));
    });
    connect(m_buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);

    auto* layout = new QVBoxLayout(this);
    layout->addLayout(form);
    layout->addWidget(m_report, 1);
    layout->addWidget(m_buttons);
    resize(640, 420);

    connect(&m_watcher, &QFutureWatcher<Outcome>::finished, this, [this] {
        const Outcome o = m_watcher.result();
        m_report->setPlainText(o.text);
        m_buttons->setEnabled(true);
        m_openFolder->setEnabled(o.ok);
        setCursor(Qt::ArrowCursor);
    });
    setCheckpoint(weightsPath);
}

QString ExportDialog::checkpoint() const
{
    return m_weights->text();
}

int ExportDialog::imageHeight() const
{
    return m_height->value();
}

int ExportDialog::imageWidth() const
{
    return m_width->value();
}

void ExportDialog::setCheckpoint(const QString& weightsPath)
{
    m_weights->setText(weightsPath);
    m_weights->setModified(false);
    m_openFolder->setEnabled(false);
    if (weightsPath.isEmpty()) {
        m_output->clear();
        return;
    }
    m_output->setText(QString::fromStdString(defaultOnnxPath(weightsPath.toStdString())));
    try {
        const LoadedModel m = loadModel(weightsPath.toStdString());
        m_height->setValue(m.imgsz);
        m_width->setValue(m.imgsz);
        m_report->setPlainText(tr("%1: %2 classes, trained at %3 px").arg(QFileInfo(weightsPath).fileName())
                                   .arg(m.names.size())
                                   .arg(m.imgsz));
    } catch (const std::exception& e) {
        m_report->setPlainText(tr("Cannot load the checkpoint: %1").arg(QString::fromUtf8(e.what())));
    }
}

void ExportDialog::browseCheckpoint()
{
    const QString f = QFileDialog::getOpenFileName(this, tr("Checkpoint to export"), QFileInfo(m_weights->text()).absolutePath(),
                                                   tr("Weights (*.safetensors *.pt *.torchscript)"));
    if (!f.isEmpty())
        setCheckpoint(f);
}

QString ExportDialog::outputPath() const
{
    return m_output->text();
}

void ExportDialog::browse()
{
    const QString f = QFileDialog::getSaveFileName(this, tr("Export to"), m_output->text(), tr("ONNX models (*.onnx)"));
    if (!f.isEmpty())
        m_output->setText(f);
}

void ExportDialog::startExport()
{
    if (m_watcher.isRunning())
        return;
    ExportOptions o;
    o.imgszH = m_height->value();
    o.imgszW = m_width->value();
    o.dynamic = m_dynamic->isChecked();
    o.opset = m_opset->currentData().toInt();
    o.half = m_half->isChecked();
    o.sourcePath = m_weights->text().toStdString();
    const std::string out = m_output->text().toStdString();
    m_report->setPlainText(tr("Exporting and checking…"));
    m_buttons->setEnabled(false);
    setCursor(Qt::BusyCursor);
    m_watcher.setFuture(QtConcurrent::run([o, out]() -> Outcome {
        try {
            LoadedModel m = loadModel(o.sourcePath);
            const ExportReport r = exportOnnx(*m.model, m.names, o, out);
            QString text;
            for (const auto& line : r.summary())
                text += QString::fromStdString(line) + "\n";
            return {true, text};
        } catch (const std::exception& e) {
            return {false, QObject::tr("Export failed: %1").arg(QString::fromUtf8(e.what()))};
        }
    }));
}

} // namespace retort::app
