#include "about_dialog.h"

#include <QAction>
#include <QApplication>
#include <QClipboard>
#include <QDialogButtonBox>
#include <QHeaderView>
#include <QLabel>
#include <QMainWindow>
#include <QMenu>
#include <QMenuBar>
#include <QPushButton>
#include <QTableWidget>
#include <QVBoxLayout>

namespace sightline::ui {

AboutDialog::AboutDialog(const QString& versions, QWidget* parent) : QDialog(parent) {
    setWindowTitle(tr("About Sightline"));
    auto* v = new QVBoxLayout(this);
    v->setSpacing(10);
    auto* head = new QLabel(this);
    head->setTextFormat(Qt::RichText);
    head->setText(tr("<h2>Sightline %1</h2><p>Local visual question answering with GLM-4.6V-Flash.<br>"
                     "Your images and chats stay on this computer.</p>")
                      .arg(QApplication::applicationVersion().toHtmlEscaped()));
    head->setWordWrap(true);
    auto* table = new QTableWidget(this);
    table->setObjectName(QStringLiteral("versions"));
    table->setAccessibleName(tr("Versions"));
    table->setColumnCount(2);
    table->horizontalHeader()->hide();
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFocusPolicy(Qt::NoFocus);
    const QStringList lines = versions.split(QLatin1Char('\n'), Qt::SkipEmptyParts);
    table->setRowCount(int(lines.size()));
    for (int i = 0; i < lines.size(); ++i) {
        qsizetype colon = lines[i].indexOf(QLatin1Char(':'));
        const qsizetype wide = lines[i].indexOf(QChar(0xFF1A));  // "：" in translations
        if (wide >= 0 && (colon < 0 || wide < colon)) colon = wide;
        table->setItem(i, 0, new QTableWidgetItem(colon < 0 ? QString() : lines[i].left(colon).trimmed()));
        table->setItem(i, 1, new QTableWidgetItem(colon < 0 ? lines[i] : lines[i].mid(colon + 1).trimmed()));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    QPushButton* copy = buttons->addButton(tr("Copy versions"), QDialogButtonBox::ActionRole);
    connect(copy, &QPushButton::clicked, this, [versions, copy] {
        QApplication::clipboard()->setText(versions);
        copy->setText(tr("Copied ✓"));
    });
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    v->addWidget(head);
    v->addWidget(table, 1);
    v->addWidget(buttons);
    resize(560, 380);
}

QList<QPair<QString, QString>> ShortcutsDialog::collect(QMainWindow* window) {
    QList<QPair<QString, QString>> rows;
    std::function<void(QMenu*, const QString&)> walk = [&](QMenu* menu, const QString& prefix) {
        const QString here = prefix.isEmpty() ? menu->title().remove(QLatin1Char('&'))
                                              : prefix + QStringLiteral(" › ") + menu->title().remove(QLatin1Char('&'));
        for (QAction* a : menu->actions()) {
            if (a->menu()) {
                walk(a->menu(), here);
                continue;
            }
            if (a->shortcut().isEmpty()) continue;
            rows.append(
                {here + QStringLiteral(" › ") + a->text().remove(QLatin1Char('&')), a->shortcut().toString(QKeySequence::NativeText)});
        }
    };
    for (QAction* a : window->menuBar()->actions())
        if (a->menu()) walk(a->menu(), {});
    const QList<QPair<QString, QString>> fixed = {
        {tr("Question › Send"), tr("Ctrl+Enter")},
        {tr("Question › Next / previous control"), tr("Tab / Shift+Tab")},
        {tr("Image viewer › Zoom in / out"), tr("+ / − or the mouse wheel")},
        {tr("Image viewer › Fit / actual size"), tr("F / 1")},
        {tr("Image viewer › Next / previous image"), tr("→ / ←")},
        {tr("Image viewer › Close"), tr("Esc")},
    };
    rows += fixed;
    return rows;
}

ShortcutsDialog::ShortcutsDialog(QMainWindow* window) : QDialog(window) {
    setWindowTitle(tr("Keyboard shortcuts"));
    const auto rows = collect(window);
    auto* table = new QTableWidget(int(rows.size()), 2, this);
    table->setObjectName(QStringLiteral("shortcuts"));
    table->setAccessibleName(tr("Keyboard shortcuts"));
    table->setHorizontalHeaderLabels({tr("Action"), tr("Keys")});
    table->verticalHeader()->hide();
    table->setEditTriggers(QAbstractItemView::NoEditTriggers);
    table->setShowGrid(false);
    table->setAlternatingRowColors(true);
    table->setSelectionMode(QAbstractItemView::NoSelection);
    table->setFocusPolicy(Qt::NoFocus);
    for (int i = 0; i < rows.size(); ++i) {
        table->setItem(i, 0, new QTableWidgetItem(rows[i].first));
        table->setItem(i, 1, new QTableWidgetItem(rows[i].second));
    }
    table->resizeColumnsToContents();
    table->horizontalHeader()->setStretchLastSection(true);
    auto* buttons = new QDialogButtonBox(QDialogButtonBox::Close, this);
    connect(buttons, &QDialogButtonBox::rejected, this, &QDialog::reject);
    auto* v = new QVBoxLayout(this);
    v->addWidget(table, 1);
    v->addWidget(buttons);
    resize(560, 520);
}

}  // namespace sightline::ui
