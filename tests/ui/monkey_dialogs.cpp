#include "monkey_dialogs.h"

#include <QAbstractButton>
#include <QApplication>
#include <QDialog>
#include <QFileDialog>
#include <QFileInfo>
#include <QLineEdit>
#include <QMessageBox>

namespace sightline::monkey {
namespace {

constexpr int kPollMs = 30;
constexpr int kUnplannedGraceMs = 1500;

QString describe(QWidget* w) {
    QString s = QString::fromLatin1(w->metaObject()->className());
    if (!w->windowTitle().isEmpty()) s += QStringLiteral(" \"%1\"").arg(w->windowTitle());
    if (auto* box = qobject_cast<QMessageBox*>(w)) s += QStringLiteral(": ") + box->text().left(200);
    return s;
}

void closeDialog(QWidget* w) {
    if (auto* d = qobject_cast<QDialog*>(w))
        d->reject();
    else
        w->close();
}

}  // namespace

DialogAnswerer::DialogAnswerer(QObject* parent) : QObject(parent) {
    m_timer.setInterval(kPollMs);
    connect(&m_timer, &QTimer::timeout, this, &DialogAnswerer::poll);
    m_timer.start();
}

void DialogAnswerer::plan(Answer answer) {
    m_plans.append(std::move(answer));
}

QStringList DialogAnswerer::takeEvents() {
    QStringList out;
    out.swap(m_events);
    return out;
}

void DialogAnswerer::poll() {
    QWidget* modal = QApplication::activeModalWidget();
    if (!modal || !modal->isVisible()) return;
    if (!m_plans.isEmpty()) {
        const Answer a = m_plans.takeFirst();
        m_seen.clear();
        // Answered from the next turn of the dialog's loop: the timer must not re-enter poll().
        QTimer::singleShot(0, modal, [this, a, w = QPointer<QWidget>(modal)] {
            if (w) m_events << a(w);
        });
        return;
    }
    if (m_seen != modal) {
        m_seen = modal;
        m_seenFor.start();
        return;
    }
    if (m_seenFor.elapsed() < kUnplannedGraceMs) return;
    ++m_unexpected;
    m_events << QStringLiteral("unexpected dialog closed: ") + describe(modal);
    m_seen.clear();
    closeDialog(modal);
}

DialogAnswerer::Answer DialogAnswerer::chooseFile(const QString& path) {
    return [path](QWidget* w) {
        auto* fd = qobject_cast<QFileDialog*>(w);
        if (!fd) {
            const QString what = describe(w);
            closeDialog(w);
            return QStringLiteral("expected a file dialog, closed ") + what;
        }
        const QFileInfo info(path);
        if (fd->fileMode() == QFileDialog::Directory) {
            // Accepting a folder: open its parent and name it, as typing it would.
            fd->setDirectory(info.absolutePath());
            fd->selectFile(info.fileName());
        } else {
            fd->selectFile(path);
        }
        if (auto* edit = fd->findChild<QLineEdit*>(QStringLiteral("fileNameEdit")))
            edit->setText(fd->fileMode() == QFileDialog::Directory ? info.absoluteFilePath() : path);
        static_cast<QDialog*>(fd)->accept();  // QFileDialog::accept is protected; virtual through QDialog
        if (fd->isVisible()) {                // refused (e.g. not there): cancel like a person would
            fd->reject();
            return QStringLiteral("file dialog refused %1, cancelled").arg(path);
        }
        return QStringLiteral("file dialog answered %1").arg(QFileInfo(path).fileName());
    };
}

DialogAnswerer::Answer DialogAnswerer::cancel() {
    return [](QWidget* w) {
        const QString what = describe(w);
        closeDialog(w);
        return QStringLiteral("cancelled ") + what;
    };
}

DialogAnswerer::Answer DialogAnswerer::acceptAsIs() {
    return [](QWidget* w) {
        const QString what = describe(w);
        if (auto* d = qobject_cast<QDialog*>(w))
            d->accept();
        else
            w->close();
        return QStringLiteral("accepted ") + what;
    };
}

DialogAnswerer::Answer DialogAnswerer::confirm() {
    return [](QWidget* w) {
        const QString what = describe(w);
        if (auto* box = qobject_cast<QMessageBox*>(w)) {
            for (auto* b : box->buttons()) {
                const auto role = box->buttonRole(b);
                if (role == QMessageBox::YesRole || role == QMessageBox::AcceptRole || role == QMessageBox::DestructiveRole) {
                    b->click();
                    return QStringLiteral("confirmed ") + what;
                }
            }
        }
        if (auto* d = qobject_cast<QDialog*>(w))
            d->accept();
        else
            w->close();
        return QStringLiteral("accepted ") + what;
    };
}

}  // namespace sightline::monkey
