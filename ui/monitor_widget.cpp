#include "monitor_widget.h"

#include <QChart>
#include <QChartView>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QValueAxis>
#include <QVBoxLayout>
#include <algorithm>
#include <cmath>

#include "chat_types.h"

namespace sightline::ui {
namespace {

enum Col { kTime, kId, kSource, kImageTokens, kPrompt, kOutput, kPre, kVision, kPrefill, kTtft, kTotal, kDecode, kPeak, kDelta, kCols };

QChart* makeChart(const QString& title, std::initializer_list<QLineSeries*> series, const QString& yTitle) {
    auto* c = new QChart;
    c->setTitle(title);
    c->legend()->setAlignment(Qt::AlignBottom);
    auto* x = new QValueAxis;
    x->setTitleText(QObject::tr("seconds"));
    x->setLabelFormat(QStringLiteral("%.0f"));
    auto* y = new QValueAxis;
    y->setTitleText(yTitle);
    c->addAxis(x, Qt::AlignBottom);
    c->addAxis(y, Qt::AlignLeft);
    for (auto* s : series) {
        c->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    return c;
}

// Fits both axes of a chart to its series.
void fitAxes(QChart* c) {
    double x0 = 1e300, x1 = -1e300, y1 = 0;
    for (auto* abstract : c->series()) {
        auto* s = static_cast<QLineSeries*>(abstract);
        for (const QPointF& p : s->points()) {
            x0 = std::min(x0, p.x());
            x1 = std::max(x1, p.x());
            y1 = std::max(y1, p.y());
        }
    }
    if (x0 > x1) return;
    auto axes = c->axes();
    for (auto* a : axes) {
        auto* v = static_cast<QValueAxis*>(a);
        if (a->orientation() == Qt::Horizontal) v->setRange(x0, std::max(x1, x0 + 1));
        else v->setRange(0, y1 > 0 ? y1 * 1.15 : 1);
    }
}

}  // namespace

double percentileOf(QList<double> v, double q) {
    if (v.isEmpty()) return 0;
    std::sort(v.begin(), v.end());
    const double pos = std::clamp(q, 0.0, 100.0) / 100.0 * double(v.size() - 1);
    const auto lo = static_cast<qsizetype>(std::floor(pos));
    const auto hi = std::min<qsizetype>(lo + 1, v.size() - 1);
    return v[lo] + (v[hi] - v[lo]) * (pos - double(lo));
}

int RequestTableModel::rowCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : int(m_rows.size()); }
int RequestTableModel::columnCount(const QModelIndex& parent) const { return parent.isValid() ? 0 : kCols; }

QVariant RequestTableModel::headerData(int section, Qt::Orientation o, int role) const {
    if (o != Qt::Horizontal || role != Qt::DisplayRole) return {};
    static const char* names[kCols] = {QT_TR_NOOP("Time"),        QT_TR_NOOP("Id"),          QT_TR_NOOP("Source"),
                                       QT_TR_NOOP("Image tok"),   QT_TR_NOOP("Prompt tok"),  QT_TR_NOOP("Output tok"),
                                       QT_TR_NOOP("Preproc ms"),  QT_TR_NOOP("Vision ms"),   QT_TR_NOOP("Prefill ms"),
                                       QT_TR_NOOP("TTFT ms"),     QT_TR_NOOP("Total ms"),    QT_TR_NOOP("Decode tok/s"),
                                       QT_TR_NOOP("Peak memory"), QT_TR_NOOP("Memory delta")};
    return tr(names[section]);
}

QVariant RequestTableModel::data(const QModelIndex& index, int role) const {
    if (!index.isValid() || role != Qt::DisplayRole) return {};
    const RequestRecord& r = m_rows[index.row()];
    switch (index.column()) {
        case kTime: return r.time.toString(QStringLiteral("HH:mm:ss"));
        case kId: return r.id;
        case kSource: return r.source;
        case kImageTokens: return r.imageTokens;
        case kPrompt: return r.promptTokens;
        case kOutput: return r.outputTokens;
        case kPre: return QString::number(r.preprocessMs, 'f', 1);
        case kVision: return QString::number(r.visionMs, 'f', 1);
        case kPrefill: return QString::number(r.prefillMs, 'f', 1);
        case kTtft: return QString::number(r.ttftMs, 'f', 1);
        case kTotal: return QString::number(r.totalMs, 'f', 1);
        case kDecode: return QString::number(r.decodeTokensPerS, 'f', 1);
        case kPeak: return humanBytes(r.peakMemoryBytes);
        case kDelta: return humanBytes(r.memoryDeltaBytes);
    }
    return {};
}

void RequestTableModel::add(const RequestRecord& r) {
    beginInsertRows({}, 0, 0);
    m_rows.prepend(r);
    endInsertRows();
    if (m_rows.size() > kMaxRows) {
        beginRemoveRows({}, kMaxRows, int(m_rows.size()) - 1);
        m_rows.resize(kMaxRows);
        endRemoveRows();
    }
}

QString RequestTableModel::toCsv() const {
    QString csv = QStringLiteral("time,id,source,image_tokens,prompt_tokens,output_tokens,preprocess_ms,vision_ms,prefill_ms,ttft_ms,"
                                 "total_ms,decode_tokens_per_s,peak_memory_bytes,memory_delta_bytes,device\n");
    for (auto it = m_rows.crbegin(); it != m_rows.crend(); ++it) {  // oldest first
        const RequestRecord& r = *it;
        QString device = r.device;
        device.replace(QLatin1Char('"'), QLatin1String("\"\""));
        csv += QStringLiteral("%1,%2,%3,%4,%5,%6,%7,%8,%9,%10,%11,%12,%13,%14,\"%15\"\n")
                   .arg(r.time.toString(Qt::ISODateWithMs))
                   .arg(r.id)
                   .arg(r.source)
                   .arg(r.imageTokens)
                   .arg(r.promptTokens)
                   .arg(r.outputTokens)
                   .arg(r.preprocessMs, 0, 'f', 3)
                   .arg(r.visionMs, 0, 'f', 3)
                   .arg(r.prefillMs, 0, 'f', 3)
                   .arg(r.ttftMs, 0, 'f', 3)
                   .arg(r.totalMs, 0, 'f', 3)
                   .arg(r.decodeTokensPerS, 0, 'f', 3)
                   .arg(r.peakMemoryBytes)
                   .arg(r.memoryDeltaBytes)
                   .arg(device);
    }
    return csv;
}

MonitorWidget::MonitorWidget(QWidget* parent) : QWidget(parent) {
    auto* tabs = new QTabWidget(this);
    auto* outer = new QVBoxLayout(this);
    outer->setContentsMargins(0, 0, 0, 0);
    outer->addWidget(tabs);

    // Live tab
    auto* live = new QWidget(tabs);
    auto* lv = new QVBoxLayout(live);
    m_ttft = new QLineSeries;
    m_ttft->setName(tr("time to first token"));
    m_total = new QLineSeries;
    m_total->setName(tr("total latency"));
    m_decode = new QLineSeries;
    m_decode->setName(tr("decode tokens/s"));
    m_rate = new QLineSeries;
    m_rate->setName(tr("requests / minute"));
    m_alloc = new QLineSeries;
    m_alloc->setName(tr("allocated (engine)"));
    m_reserved = new QLineSeries;
    m_reserved->setName(tr("reserved (allocator)"));
    m_used = new QLineSeries;
    m_used->setName(tr("used on device (all processes)"));
    m_totalMem = new QLineSeries;
    m_totalMem->setName(tr("device total"));
    m_util = new QLineSeries;
    m_util->setName(tr("GPU utilisation %"));
    m_latencyChart = makeChart(tr("Latency per request"), {m_ttft, m_total}, tr("ms"));
    m_speedChart = makeChart(tr("Throughput"), {m_decode, m_rate}, tr("per second / minute"));
    m_memoryChart = makeChart(tr("Memory (GiB) and GPU utilisation (%/10)"), {m_alloc, m_reserved, m_used, m_totalMem, m_util}, tr("GiB"));
    auto* charts = new QHBoxLayout;
    for (QChart* c : {m_latencyChart, m_speedChart, m_memoryChart}) {
        auto* v = new QChartView(c, live);
        v->setRenderHint(QPainter::Antialiasing);
        v->setMinimumSize(280, 220);
        charts->addWidget(v);
    }
    lv->addLayout(charts, 3);
    m_scheduler = new QLabel(tr("Scheduler: no model loaded"), live);
    lv->addWidget(m_scheduler);
    auto* row = new QHBoxLayout;
    m_percentiles = new QLabel(live);
    m_note = new QLabel(live);
    m_note->setStyleSheet(QStringLiteral("color: palette(mid);"));
    auto* exportBtn = new QPushButton(tr("Export CSV…"), live);
    row->addWidget(m_percentiles, 1);
    row->addWidget(m_note);
    row->addWidget(exportBtn);
    lv->addLayout(row);
    m_model = new RequestTableModel(this);
    auto* table = new QTableView(live);
    table->setModel(m_model);
    table->setAccessibleName(tr("Recent requests"));
    table->horizontalHeader()->setSectionResizeMode(QHeaderView::ResizeToContents);
    table->verticalHeader()->hide();
    lv->addWidget(table, 2);
    tabs->addTab(live, tr("Live"));
    connect(exportBtn, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export requests"), QString(), tr("CSV (*.csv)"));
        if (!p.isEmpty()) exportCsv(p);
    });

    // Benchmark tab
    auto* bench = new QWidget(tabs);
    auto* bf = new QFormLayout;
    auto spin = [bench](int lo, int hi, int v) {
        auto* s = new QSpinBox(bench);
        s->setRange(lo, hi);
        s->setValue(v);
        return s;
    };
    auto* w = spin(0, 8192, 1024);
    auto* h = spin(0, 8192, 768);
    auto* prompt = new QLineEdit(tr("Describe this image in detail."), bench);
    auto* maxNew = spin(1, 4096, 64);
    auto* warm = spin(0, 20, 2);
    auto* loops = spin(1, 100, 3);
    auto* reps = spin(1, 20, 3);
    bf->addRow(tr("Image width (0: no image)"), w);
    bf->addRow(tr("Image height"), h);
    bf->addRow(tr("Prompt"), prompt);
    bf->addRow(tr("Tokens to generate"), maxNew);
    bf->addRow(tr("Warm-up runs"), warm);
    bf->addRow(tr("Loops (-n)"), loops);
    bf->addRow(tr("Repeats (-r)"), reps);
    m_benchRun = new QPushButton(tr("Run benchmark"), bench);
    m_benchOut = new QPlainTextEdit(bench);
    m_benchOut->setReadOnly(true);
    QFont mono(QStringLiteral("monospace"));
    mono.setStyleHint(QFont::Monospace);
    m_benchOut->setFont(mono);
    auto* bv = new QVBoxLayout(bench);
    bv->addLayout(bf);
    bv->addWidget(m_benchRun);
    bv->addWidget(m_benchOut, 1);
    tabs->addTab(bench, tr("Benchmark"));
    connect(m_benchRun, &QPushButton::clicked, this, [=, this] {
        m_benchRun->setEnabled(false);
        m_benchOut->setPlainText(tr("Running…"));
        Q_EMIT benchmarkRequested(w->value(), h->value(), prompt->text(), maxNew->value(), warm->value(), loops->value(), reps->value());
    });
}

double MonitorWidget::secondsSinceStart() const { return double(QDateTime::currentMSecsSinceEpoch() - m_start) / 1000.0; }

void MonitorWidget::trim(QLineSeries* s, int keep) {
    if (s->count() > keep) s->removePoints(0, s->count() - keep);
}

void MonitorWidget::addRequest(const RequestRecord& r) {
    m_model->add(r);
    const double t = secondsSinceStart();
    m_ttft->append(t, r.ttftMs);
    m_total->append(t, r.totalMs);
    m_decode->append(t, r.decodeTokensPerS);
    int lastMinute = 0;
    for (const auto& rec : m_model->records())
        if (rec.time.msecsTo(r.time) <= 60000) ++lastMinute;
    m_rate->append(t, lastMinute);
    for (auto* s : {m_ttft, m_total, m_decode, m_rate}) trim(s, 200);
    fitAxes(m_latencyChart);
    fitAxes(m_speedChart);
    m_percentiles->setText(percentileText());
}

QString MonitorWidget::percentileText() const {
    QList<double> ttft, total;
    for (const auto& r : m_model->records()) {
        ttft.append(r.ttftMs);
        total.append(r.totalMs);
    }
    if (ttft.isEmpty()) return tr("No requests yet");
    return tr("TTFT P50 %1 / P95 %2 / P99 %3 ms · total P50 %4 / P95 %5 / P99 %6 ms (last %7)")
        .arg(percentileOf(ttft, 50), 0, 'f', 1)
        .arg(percentileOf(ttft, 95), 0, 'f', 1)
        .arg(percentileOf(ttft, 99), 0, 'f', 1)
        .arg(percentileOf(total, 50), 0, 'f', 1)
        .arg(percentileOf(total, 95), 0, 'f', 1)
        .arg(percentileOf(total, 99), 0, 'f', 1)
        .arg(ttft.size());
}

void MonitorWidget::addMemorySample(const MemorySample& m) {
    const double t = secondsSinceStart();
    constexpr double kGiB = 1024.0 * 1024.0 * 1024.0;
    m_alloc->append(t, double(m.allocatedBytes) / kGiB);
    m_reserved->append(t, double(m.reservedBytes) / kGiB);
    m_used->append(t, double(m.deviceUsedBytes) / kGiB);
    m_totalMem->append(t, double(m.deviceTotalBytes) / kGiB);
    if (m.gpuUtilPercent >= 0) m_util->append(t, m.gpuUtilPercent / 10.0);
    for (auto* s : {m_alloc, m_reserved, m_used, m_totalMem, m_util}) trim(s, 240);  // one minute at 250 ms
    fitAxes(m_memoryChart);
    m_note->setText(m.note);
}

void MonitorWidget::setSchedulerState(const SchedulerState& st) {
    const int queued = st.queuedChat + st.queuedModeration + st.queuedOther;
    m_scheduler->setText(tr("Scheduler: %1 of %2 slots decoding · %3 waiting (chat %4, moderation %5, other %6) · "
                            "mean batch %7 · %8 requests done")
                             .arg(st.running)
                             .arg(st.slots)
                             .arg(queued)
                             .arg(st.queuedChat)
                             .arg(st.queuedModeration)
                             .arg(st.queuedOther)
                             .arg(st.meanBatch, 0, 'f', 2)
                             .arg(st.completed));
}

QString MonitorWidget::schedulerText() const { return m_scheduler->text(); }

int MonitorWidget::memoryPointCount() const { return int(m_alloc->count()); }
QString MonitorWidget::note() const { return m_note->text(); }

bool MonitorWidget::exportCsv(const QString& path) const {
    QFile f(path);
    const QByteArray data = m_model->toCsv().toUtf8();
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

void MonitorWidget::showBenchmarkProgress(const QString& text) { m_benchOut->setPlainText(text); }

void MonitorWidget::showBenchmarkResult(const QString& text) {
    m_benchOut->setPlainText(text);
    m_benchRun->setEnabled(true);
}

}  // namespace sightline::ui
