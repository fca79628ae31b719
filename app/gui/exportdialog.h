#pragma once

#include <QDialog>
#include <QFutureWatcher>

class QCheckBox;
class QComboBox;
class QDialogButtonBox;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QSpinBox;

namespace retort::app {

/// Exports a checkpoint to ONNX: image size, dynamic axes, opset and FP16, then shows the
/// outcome of the export's own checks (onnx checker, shape inference, OpenCV DNN vs libtorch).
/// The export runs on a worker thread; the dialog stays responsive.
///
///   ExportDialog d(weightsPath, this);
///   d.exec();
class ExportDialog : public QDialog
{
    Q_OBJECT
public:
    explicit ExportDialog(const QString& weightsPath, QWidget* parent = nullptr);

    QString outputPath() const;
    QString checkpoint() const;
    /// Another checkpoint: the output path follows it, and the image size becomes the one it
    /// was trained at (640 when the file does not say). A file that does not load is reported.
    void setCheckpoint(const QString& weightsPath);
    int imageHeight() const;
    int imageWidth() const;

private:
    struct Outcome
    {
        bool ok = false;
        QString text;
    };
    void startExport();
    void browse();
    void browseCheckpoint();

    QLineEdit* m_weights;
    QLineEdit* m_output;
    QSpinBox* m_height;
    QSpinBox* m_width;
    QCheckBox* m_dynamic;
    QComboBox* m_opset;
    QCheckBox* m_half;
    QPlainTextEdit* m_report;
    QDialogButtonBox* m_buttons;
    QPushButton* m_openFolder;
    QFutureWatcher<Outcome> m_watcher;
};

} // namespace retort::app
