#pragma once

#include "train/experimentconfig.h"

#include <QMap>
#include <QString>
#include <QStringList>
#include <QTimer>
#include <QWidget>

class QComboBox;
class QDoubleSpinBox;
class QLabel;
class QLineEdit;
class QPlainTextEdit;
class QPushButton;
class QScrollArea;
class QSpinBox;
class QTabWidget;

namespace retort::widgets {

/// The Experiment panel: a form over the main experiment keys and the raw YAML. The YAML text
/// is the single source of truth: a form edit rewrites its key in place (comments and layout
/// kept), and every text change is validated through parseExperiment after a short pause.
/// Errors show in a label, at their line in the editor, and on the form field they name.
///
///   auto* exp = new ExperimentPanel;
///   exp->setYaml(text, "experiments/shapes-quick.yaml");
///   connect(exp, &ExperimentPanel::runRequested, this, [=] { controller->startStudy(exp->config()); });
class ExperimentPanel : public QWidget
{
    Q_OBJECT

public:
    static constexpr int kValidateDelayMs = 300;

    explicit ExperimentPanel(QWidget* parent = nullptr);

    /// Replaces the text and validates at once. `sourcePath` names the file in errors and
    /// anchors relative paths ("" = unsaved, relative to the working directory).
    void setYaml(const QString& text, const QString& sourcePath = QString());
    /// Names offered as completions in the teacher/student architecture fields (the shipped
    /// yolov8n.yaml … yolo26x.yaml).
    void setArchitectureSuggestions(const QStringList& names);
    QString yaml() const;
    QString sourcePath() const { return m_sourcePath; }

    bool isValid() const { return m_valid; }
    /// The last valid configuration (defaults before any valid text).
    const retort::ExperimentConfig& config() const { return m_config; }
    QString errorText() const;
    /// 1-based line of the current error, 0 when none or unknown.
    int errorLine() const { return m_errorLine; }

    QPlainTextEdit* editor() const { return m_editor; }
    QTabWidget* tabs() const { return m_tabs; }
    /// The form field editing a dotted key ("train.epochs"), for tests and focus.
    QWidget* fieldFor(const QString& key) const { return m_fields.value(key); }

public slots:
    /// Validates now instead of after the pause.
    void validate();

signals:
    void validityChanged(bool valid);
    /// The text changed (by the editor or the form).
    void yamlChanged();
    void runRequested();

protected:
    /// Wheel events over an unfocused form field scroll the form instead of editing the value.
    bool eventFilter(QObject* watched, QEvent* event) override;

private:
    void buildForm(QWidget* page);
    void fillForm(const retort::ExperimentConfig& c);
    void setKey(const QString& key, const QString& yamlValue);
    void markError(const QString& message);
    void addField(const QString& key, QWidget* field);

    QTabWidget* m_tabs;
    QScrollArea* m_formScroll = nullptr;
    QPlainTextEdit* m_editor;
    QLabel* m_error;
    QPushButton* m_run;
    QTimer m_debounce;
    QMap<QString, QWidget*> m_fields;

    QLineEdit* m_data;
    QLineEdit* m_teacherWeights;
    QLineEdit* m_teacherArch;
    QLineEdit* m_studentWeights;
    QLineEdit* m_studentArch;
    QSpinBox* m_epochs;
    QSpinBox* m_imgsz;
    QSpinBox* m_batch;
    QDoubleSpinBox* m_lr0;
    QSpinBox* m_seed;
    QDoubleSpinBox* m_logitWeight;
    QDoubleSpinBox* m_logitT;
    QDoubleSpinBox* m_locWeight;
    QDoubleSpinBox* m_locT;
    QComboBox* m_featType;
    QDoubleSpinBox* m_featWeight;
    QDoubleSpinBox* m_featTau;
    QDoubleSpinBox* m_relWeight;
    QLineEdit* m_arms;

    QString m_sourcePath;
    retort::ExperimentConfig m_config;
    bool m_valid = false;
    bool m_validatedOnce = false;
    bool m_filling = false;
    int m_errorLine = 0;
};

} // namespace retort::widgets
