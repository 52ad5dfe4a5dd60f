// The live performance monitor: charts over time (latency, decode speed, request rate, memory and
// GPU utilisation), a table of recent requests with rolling percentiles and CSV export, and a
// Benchmark tab whose runs happen in the app (the same code as sightline-bench).
// GUI thread only; data arrives as plain values.
#pragma once

#include <QAbstractTableModel>
#include <QDateTime>
#include <QWidget>

#include "chat_types.h"

class QChart;
class QLineSeries;
class QValueAxis;
class QLabel;
class QPlainTextEdit;
class QSpinBox;
class QLineEdit;
class QPushButton;
class QTableView;

namespace sightline::ui {

struct RequestRecord {
    quint64 id = 0;
    QDateTime time = QDateTime::currentDateTime();
    QString source;  // chat, moderation, bench
    qint64 imageTokens = 0, promptTokens = 0, outputTokens = 0;
    double preprocessMs = 0, visionMs = 0, prefillMs = 0, ttftMs = 0, totalMs = 0, decodeTokensPerS = 0;
    qint64 peakMemoryBytes = 0, memoryDeltaBytes = 0;
    QString device;
};

struct MemorySample {
    qint64 allocatedBytes = 0, reservedBytes = 0, deviceUsedBytes = 0, deviceTotalBytes = 0;
    int gpuUtilPercent = -1;  // -1: not reported
    QString note;             // e.g. why there is no utilisation
};

class RequestTableModel : public QAbstractTableModel {
    Q_OBJECT
public:
    static constexpr int kMaxRows = 500;
    using QAbstractTableModel::QAbstractTableModel;
    int rowCount(const QModelIndex& parent = {}) const override;
    int columnCount(const QModelIndex& parent = {}) const override;
    QVariant data(const QModelIndex& index, int role) const override;
    QVariant headerData(int section, Qt::Orientation o, int role) const override;
    void add(const RequestRecord& r);  // newest first
    const QList<RequestRecord>& records() const { return m_rows; }
    QString toCsv() const;

private:
    QList<RequestRecord> m_rows;
};

// Percentile with linear interpolation (numpy "linear"); 0 for no samples.
double percentileOf(QList<double> values, double q);

class MonitorWidget : public QWidget {
    Q_OBJECT
public:
    explicit MonitorWidget(QWidget* parent = nullptr);
    void addRequest(const RequestRecord& record);
    void addMemorySample(const MemorySample& sample);
    void setSchedulerState(const SchedulerState& state);
    QString schedulerText() const;
    bool exportCsv(const QString& path) const;
    RequestTableModel* requests() const { return m_model; }
    QString percentileText() const;
    int memoryPointCount() const;
    QString note() const;

public Q_SLOTS:
    void showBenchmarkProgress(const QString& text);
    void showBenchmarkResult(const QString& text);

Q_SIGNALS:
    // width x height (0 x 0: no image), prompt, max new tokens, warm-up, loops, repeats
    void benchmarkRequested(int width, int height, const QString& prompt, int maxNewTokens, int warmup, int loops, int repeats);

protected:
    void changeEvent(QEvent* event) override;  // the charts follow the light / dark palette

private:
    void restyleCharts();
    double secondsSinceStart() const;
    void trim(QLineSeries* s, int keep);
    qint64 m_start = QDateTime::currentMSecsSinceEpoch();
    RequestTableModel* m_model = nullptr;
    QLabel* m_percentiles = nullptr;
    QLabel* m_note = nullptr;
    QLabel* m_scheduler = nullptr;
    QLineSeries *m_ttft = nullptr, *m_total = nullptr, *m_decode = nullptr, *m_rate = nullptr;
    QLineSeries *m_alloc = nullptr, *m_reserved = nullptr, *m_used = nullptr, *m_totalMem = nullptr, *m_util = nullptr;
    QChart *m_latencyChart = nullptr, *m_speedChart = nullptr, *m_memoryChart = nullptr;
    QPlainTextEdit* m_benchOut = nullptr;
    QPushButton* m_benchRun = nullptr;
};

}  // namespace sightline::ui
