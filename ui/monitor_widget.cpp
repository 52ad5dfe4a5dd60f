#include "monitor_widget.h"

#include <QChart>
#include <QChartView>
#include <QEvent>
#include <QFile>
#include <QFileDialog>
#include <QFormLayout>
#include <QHBoxLayout>
#include <QHeaderView>
#include <QLabel>
#include <QLegend>
#include <QLineEdit>
#include <QLineSeries>
#include <QPlainTextEdit>
#include <QPushButton>
#include <QScrollArea>
#include <QSpinBox>
#include <QTabWidget>
#include <QTableView>
#include <QVBoxLayout>
#include <QValueAxis>
#include <algorithm>
#include <cmath>

#include "chat_types.h"
#include "theme.h"

namespace sightline::ui {
namespace {

enum Col { kTime, kId, kSource, kImageTokens, kPrompt, kOutput, kPre, kVision, kPrefill, kTtft, kTotal, kDecode, kPeak, kDelta, kCols };

// A step of 1, 2 or 5 × 10^k that splits `span` into about `ticks` intervals, never below `minStep`
// (whole seconds and whole requests have no fractional ticks).
double niceStep(double span, int ticks, double minStep) {
    const double raw = std::max(span / std::max(ticks, 1), minStep);
    const double mag = std::pow(10.0, std::floor(std::log10(raw)));
    for (double m : {1.0, 2.0, 5.0, 10.0})
        if (m * mag >= raw - 1e-12) return std::max(m * mag, minStep);
    return std::max(10 * mag, minStep);
}

// Axis labels that match the step: no decimals for whole steps, one or two otherwise.
QString formatForStep(double step) {
    if (step >= 1) return QStringLiteral("%.0f");
    if (step >= 0.1) return QStringLiteral("%.1f");
    return QStringLiteral("%.2f");
}

QValueAxis* makeAxis(const QString& title, bool integer) {
    auto* a = new QValueAxis;
    a->setTitleText(title);
    a->setTickType(QValueAxis::TicksDynamic);
    a->setTickAnchor(0);
    a->setTickInterval(1);
    a->setLabelFormat(QStringLiteral("%.0f"));
    a->setProperty("integer", integer);
    QFont f = a->labelsFont();
    f.setPointSizeF(std::max(7.0, f.pointSizeF() - 1));
    a->setLabelsFont(f);
    a->setTitleFont(f);
    return a;
}

// A chart with a bottom time axis and a left value axis; `right` series get an axis of their own
// on the right (a count next to a rate would otherwise sit flat at zero).
QChart* makeChart(const QString& title, std::initializer_list<QLineSeries*> left, const QString& leftTitle,
                  std::initializer_list<QLineSeries*> right = {}, const QString& rightTitle = {}) {
    auto* c = new QChart;
    c->setTitle(title);
    c->setMargins(QMargins(4, 4, 4, 4));
    c->legend()->setAlignment(Qt::AlignBottom);
    QFont lf = c->legend()->font();
    lf.setPointSizeF(std::max(7.0, lf.pointSizeF() - 1));
    c->legend()->setFont(lf);
    c->legend()->setMarkerShape(QLegend::MarkerShapeCircle);
    auto* x = makeAxis(QObject::tr("seconds"), true);
    c->addAxis(x, Qt::AlignBottom);
    auto* y = makeAxis(leftTitle, false);
    c->addAxis(y, Qt::AlignLeft);
    for (auto* s : left) {
        c->addSeries(s);
        s->attachAxis(x);
        s->attachAxis(y);
    }
    if (right.size() > 0) {
        auto* y2 = makeAxis(rightTitle, true);
        c->addAxis(y2, Qt::AlignRight);
        for (auto* s : right) {
            c->addSeries(s);
            s->attachAxis(x);
            s->attachAxis(y2);
        }
    }
    return c;
}

// Colours of a chart from the widget palette, so that it follows the light / dark theme.
void styleChart(QChart* c, const QPalette& pal) {
    const QColor base = pal.color(QPalette::Base), text = pal.color(QPalette::Text);
    const QColor muted = mixColors(base, text, 0.65), grid = mixColors(base, text, 0.15);
    c->setBackgroundBrush(base);
    c->setBackgroundPen(QPen(mixColors(base, text, 0.2)));
    c->setTitleBrush(text);
    c->legend()->setLabelColor(text);
    for (auto* a : c->axes()) {
        a->setLabelsColor(muted);
        a->setTitleBrush(muted);
        a->setGridLineColor(grid);
        a->setLinePenColor(grid);
    }
}

// Fits every axis of a chart to the series attached to it, with whole-number ticks where the
// quantity is whole (seconds, requests).
void fitAxes(QChart* c) {
    for (auto* a : c->axes()) {
        auto* v = static_cast<QValueAxis*>(a);
        const bool horizontal = a->orientation() == Qt::Horizontal;
        double lo = 1e300, hi = -1e300;
        for (auto* abstract : c->series()) {
            if (!abstract->attachedAxes().contains(a)) continue;
            for (const QPointF& p : static_cast<QLineSeries*>(abstract)->points()) {
                const double value = horizontal ? p.x() : p.y();
                lo = std::min(lo, value);
                hi = std::max(hi, value);
            }
        }
        if (lo > hi) continue;
        const bool integer = v->property("integer").toBool();
        double min = horizontal ? std::floor(lo) : 0;
        double max = horizontal ? std::max(std::ceil(hi), min + 1) : (hi > 0 ? hi * 1.15 : 1);
        const double step = niceStep(max - min, horizontal ? 5 : 4, integer ? 1.0 : 0.0);
        if (!horizontal) max = std::ceil(max / step) * step;
        // Interval before range: a wide range at the old 1-unit interval would lay out thousands of ticks.
        v->setTickAnchor(horizontal ? min : 0);
        v->setTickInterval(step);
        v->setLabelFormat(formatForStep(step));
        v->setRange(min, max);
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

int RequestTableModel::rowCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : int(m_rows.size());
}
int RequestTableModel::columnCount(const QModelIndex& parent) const {
    return parent.isValid() ? 0 : kCols;
}

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
        case kTime:
            return r.time.toString(QStringLiteral("HH:mm:ss"));
        case kId:
            return r.id;
        case kSource:
            return r.source;
        case kImageTokens:
            return r.imageTokens;
        case kPrompt:
            return r.promptTokens;
        case kOutput:
            return r.outputTokens;
        case kPre:
            return QString::number(r.preprocessMs, 'f', 1);
        case kVision:
            return QString::number(r.visionMs, 'f', 1);
        case kPrefill:
            return QString::number(r.prefillMs, 'f', 1);
        case kTtft:
            return QString::number(r.ttftMs, 'f', 1);
        case kTotal:
            return QString::number(r.totalMs, 'f', 1);
        case kDecode:
            return QString::number(r.decodeTokensPerS, 'f', 1);
        case kPeak:
            return humanBytes(r.peakMemoryBytes);
        case kDelta:
            return humanBytes(r.memoryDeltaBytes);
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
    QString csv = QStringLiteral(
        "time,id,source,image_tokens,prompt_tokens,output_tokens,preprocess_ms,vision_ms,prefill_ms,ttft_ms,"
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

    // Each tab sits in a scroll area: a short dock scrolls instead of squeezing the conversation
    // and the status bar above and below it.
    auto scrolled = [tabs](QWidget* page, int minHeight) {
        auto* area = new QScrollArea(tabs);
        area->setWidgetResizable(true);
        area->setFrameShape(QFrame::NoFrame);
        page->setMinimumHeight(minHeight);
        area->setWidget(page);
        return area;
    };
    auto* live = new QWidget;
    auto* lv = new QVBoxLayout(live);
    m_ttft = new QLineSeries;
    // Short legend names (the chart's width is a third of the dock); the long form is the tooltip
    // of the chart and the column headers of the table.
    m_ttft->setName(tr("TTFT"));
    m_total = new QLineSeries;
    m_total->setName(tr("total"));
    m_decode = new QLineSeries;
    m_decode->setName(tr("decode tok/s"));
    m_rate = new QLineSeries;
    m_rate->setName(tr("requests/min"));
    m_alloc = new QLineSeries;
    m_alloc->setName(tr("alloc"));
    m_reserved = new QLineSeries;
    m_reserved->setName(tr("reserved"));
    m_used = new QLineSeries;
    m_used->setName(tr("used"));
    m_totalMem = new QLineSeries;
    m_totalMem->setName(tr("capacity"));
    m_util = new QLineSeries;
    m_util->setName(tr("GPU %"));
    m_latencyChart = makeChart(tr("Latency per request"), {m_ttft, m_total}, tr("ms"));
    m_speedChart = makeChart(tr("Throughput"), {m_decode}, tr("tokens/s"), {m_rate}, tr("requests/min"));
    m_memoryChart =
        makeChart(tr("Memory and GPU utilisation"), {m_alloc, m_reserved, m_used, m_totalMem}, tr("GiB"), {m_util}, tr("GPU %"));
    for (auto* series : {m_ttft, m_total, m_decode, m_rate}) series->setPointsVisible(true);  // one request is a point
    auto* charts = new QHBoxLayout;
    const QStringList tips = {tr("Time to first token and total latency of each request (ms)"),
                              tr("Decode speed of each request (tokens/s, left) and requests in the last minute (right)"),
                              tr("Memory allocated by the engine, reserved by the allocator, used on the device by all "
                                 "processes and the device total (GiB, left); GPU utilisation (%, right)")};
    int i = 0;
    for (QChart* c : {m_latencyChart, m_speedChart, m_memoryChart}) {
        auto* v = new QChartView(c, live);
        v->setRenderHint(QPainter::Antialiasing);
        v->setMinimumSize(300, 220);
        v->setToolTip(tips[i++]);
        charts->addWidget(v);
    }
    lv->addLayout(charts, 3);
    m_scheduler = new QLabel(tr("Scheduler: no model loaded"), live);
    lv->addWidget(m_scheduler);
    auto* row = new QHBoxLayout;
    m_percentiles = new QLabel(live);
    m_note = new QLabel(live);
    m_note->setForegroundRole(QPalette::PlaceholderText);  // secondary, but readable in both themes
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
    tabs->addTab(scrolled(live, 420), tr("Live"));
    connect(exportBtn, &QPushButton::clicked, this, [this] {
        const QString p = QFileDialog::getSaveFileName(this, tr("Export requests"), QString(), tr("CSV (*.csv)"));
        if (!p.isEmpty()) exportCsv(p);
    });

    // Benchmark tab
    auto* bench = new QWidget;
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
    tabs->addTab(scrolled(bench, 360), tr("Benchmark"));
    connect(m_benchRun, &QPushButton::clicked, this, [=, this] {
        m_benchRun->setEnabled(false);
        m_benchOut->setPlainText(tr("Running…"));
        Q_EMIT benchmarkRequested(w->value(), h->value(), prompt->text(), maxNew->value(), warm->value(), loops->value(), reps->value());
    });
    restyleCharts();
}

void MonitorWidget::changeEvent(QEvent* event) {
    QWidget::changeEvent(event);
    if (event->type() == QEvent::PaletteChange || event->type() == QEvent::ApplicationPaletteChange) restyleCharts();
}

void MonitorWidget::restyleCharts() {
    for (QChart* c : {m_latencyChart, m_speedChart, m_memoryChart}) styleChart(c, palette());
}

double MonitorWidget::secondsSinceStart() const {
    return double(QDateTime::currentMSecsSinceEpoch() - m_start) / 1000.0;
}

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
    if (m.gpuUtilPercent >= 0) m_util->append(t, m.gpuUtilPercent);
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

QString MonitorWidget::schedulerText() const {
    return m_scheduler->text();
}

int MonitorWidget::memoryPointCount() const {
    return int(m_alloc->count());
}
QString MonitorWidget::note() const {
    return m_note->text();
}

bool MonitorWidget::exportCsv(const QString& path) const {
    QFile f(path);
    const QByteArray data = m_model->toCsv().toUtf8();
    return f.open(QIODevice::WriteOnly) && f.write(data) == data.size();
}

void MonitorWidget::showBenchmarkProgress(const QString& text) {
    m_benchOut->setPlainText(text);
}

void MonitorWidget::showBenchmarkResult(const QString& text) {
    m_benchOut->setPlainText(text);
    m_benchRun->setEnabled(true);
}

}  // namespace sightline::ui
