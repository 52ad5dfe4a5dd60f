// The Models dialog (File → Models…) against a real HTTP server with the hub's layout
// (tests/cli/fake_hub.py serving the fixture checkpoint): a download with per-file progress that
// ends verified in the list; a slow download stopped half-way and continued later with the bytes
// already there kept; "Will it fit?"; "Use" naming the folder; import of a folder; delete.
#include <QComboBox>
#include <QDir>
#include <QElapsedTimer>
#include <QLabel>
#include <QLineEdit>
#include <QMessageBox>
#include <QPlainTextEdit>
#include <QProcess>
#include <QProgressBar>
#include <QPushButton>
#include <QSignalSpy>
#include <QTableWidget>
#include <QTemporaryDir>
#include <QTest>
#include <QTimer>
#include <QTreeWidget>

#include "models_dialog.h"
#include "shots.h"

using namespace sightline;
using sightline::test::shot;

namespace {

struct Hub {
    QProcess p;
    QString url;
    bool start(const QStringList& extra = {}) {
        p.setProcessChannelMode(QProcess::ForwardedErrorChannel);
        p.start(QStringLiteral(SIGHTLINE_PYTHON),
                QStringList{QStringLiteral(SIGHTLINE_SOURCE_DIR "/tests/cli/fake_hub.py"), QStringLiteral("--repo"),
                            QStringLiteral("tiny/glm4v=" SIGHTLINE_FIXTURES_DIR "/model-sharded")} +
                    extra);
        if (!p.waitForStarted(10000) || !p.waitForReadyRead(20000)) return false;
        const QString line = QString::fromUtf8(p.readLine()).trimmed();
        url = line.section(QLatin1Char(' '), -1);
        return line.startsWith(QStringLiteral("listening on "));
    }
    ~Hub() {
        p.terminate();
        p.waitForFinished(5000);
    }
};

int rowOf(QTableWidget* t, const QString& name) {
    for (int r = 0; r < t->rowCount(); ++r)
        if (t->item(r, 0)->text() == name) return r;
    return -1;
}

}  // namespace

class ModelsDialogTest : public QObject {
    Q_OBJECT
private Q_SLOTS:
    void initTestCase() {
        QVERIFY(m_home.isValid());
        qputenv("SIGHTLINE_MODELS_DIR", m_home.filePath(QStringLiteral("models")).toUtf8());
        qunsetenv("HF_TOKEN");
        for (const char* v : {"http_proxy", "https_proxy", "HTTP_PROXY", "HTTPS_PROXY", "all_proxy", "ALL_PROXY"}) qunsetenv(v);
    }

    void downloadStopContinueCheckUseDelete() {
        Hub slow, fast;
        QVERIFY(slow.start({QStringLiteral("--rate"), QStringLiteral("40000")}));
        QVERIFY(fast.start());
        ui::GenerationSettings s;
        s.device = QStringLiteral("cpu");
        app::ModelsDialog d(s);
        d.show();
        QCOMPARE(d.modelsFolder(), m_home.filePath(QStringLiteral("models")));
        auto* table = d.findChild<QTableWidget*>(QStringLiteral("modelsTable"));
        auto* repo = d.findChild<QLineEdit*>(QStringLiteral("pullRepo"));
        auto* pull = d.findChild<QPushButton*>(QStringLiteral("pullButton"));
        auto* cancel = d.findChild<QPushButton*>(QStringLiteral("pullCancel"));
        auto* files = d.findChild<QTreeWidget*>(QStringLiteral("pullFiles"));
        auto* progress = d.findChild<QProgressBar*>(QStringLiteral("pullProgress"));
        auto* status = d.findChild<QLabel*>(QStringLiteral("pullStatus"));
        QVERIFY(table && repo && pull && cancel && files && progress && status);
        QCOMPARE(table->rowCount(), 0);
        QCOMPARE(repo->text(), QStringLiteral("zai-org/GLM-4.6V-Flash"));  // the real model is what a user gets by default
        auto* source = d.findChild<QComboBox*>(QStringLiteral("pullSource"));
        source->setCurrentIndex(1);
        QCOMPARE(repo->text(), QStringLiteral("ZhipuAI/GLM-4.6V-Flash"));  // its name on ModelScope
        source->setCurrentIndex(0);

        // A slow download, stopped half-way: nothing under a final name, the parts kept.
        qputenv("HF_ENDPOINT", slow.url.toUtf8());
        repo->setText(QStringLiteral("tiny/glm4v"));
        QSignalSpy ended(&d, &app::ModelsDialog::pullFinished);
        pull->click();
        QVERIFY(!pull->isEnabled() && cancel->isEnabled());
        QVERIFY(QTest::qWaitFor([&] { return progress->value() > 150; }, 30000));
        QVERIFY(files->topLevelItemCount() >= 7);  // config, generation config, index, 2 shards, tokenizer files, template
        shot(&d, "models-downloading");
        cancel->click();
        QVERIFY(ended.wait(15000));
        QCOMPARE(ended.last().at(0).toBool(), false);
        QVERIFY(status->text().contains(QStringLiteral("continue where it stopped")));
        const QString dir = m_home.filePath(QStringLiteral("models/tiny--glm4v"));
        QVERIFY(QDir(dir + "/.sightline-download").exists());
        QVERIFY(!QFileInfo::exists(dir + "/model-00001-of-00002.safetensors") ||
                QFileInfo(dir + "/model-00001-of-00002.safetensors").size() ==
                    QFileInfo(SIGHTLINE_FIXTURES_DIR "/model-sharded/model-00001-of-00002.safetensors").size());
        const int row = rowOf(table, QStringLiteral("tiny--glm4v"));
        QVERIFY(row >= 0);
        QCOMPARE(table->item(row, 4)->text(), QStringLiteral("incomplete download"));

        // Continued from the fast hub: the parts are kept, everything verified, listed as the repository.
        qputenv("HF_ENDPOINT", fast.url.toUtf8());
        pull->click();
        QVERIFY(ended.wait(30000));
        QCOMPARE(ended.last().at(0).toBool(), true);
        QVERIFY2(status->text().contains(QStringLiteral("already here")), qPrintable(status->text()));
        QVERIFY(!status->text().contains(QStringLiteral("0 B already here")));
        const int done = rowOf(table, QStringLiteral("tiny/glm4v"));
        QVERIFY(done >= 0);
        QCOMPARE(table->item(done, 4)->text(), QStringLiteral("verified"));
        QCOMPARE(table->item(done, 2)->text(), QStringLiteral("0.5M, bfloat16"));
        QCOMPARE(table->selectionModel()->selectedRows().size(), 1);  // the new model is selected

        // Will it fit? (the engine's check with the window's settings)
        QSignalSpy checked(&d, &app::ModelsDialog::checkFinished);
        d.findChild<QPushButton*>(QStringLiteral("checkModel"))->click();
        QVERIFY(checked.wait(20000));
        const QString report = d.findChild<QPlainTextEdit*>(QStringLiteral("fitReport"))->toPlainText();
        QVERIFY2(report.contains(QStringLiteral("Every tensor")) && report.contains(QStringLiteral("fits")), qPrintable(report));
        shot(&d, "models");

        QSignalSpy used(&d, &app::ModelsDialog::useModel);
        d.findChild<QPushButton*>(QStringLiteral("useModel"))->click();
        QCOMPARE(used.size(), 1);
        QCOMPARE(used.first().at(0).toString(), dir);

        // Import a folder, then delete it (confirming the question).
        QSignalSpy importDone(&d, &app::ModelsDialog::importFinished);
        d.importFolder(QStringLiteral(SIGHTLINE_FIXTURES_DIR "/model"));  // the copy runs off the GUI thread
        QVERIFY(importDone.wait(20000));
        QCOMPARE(importDone.first().at(0).toBool(), true);
        const int imported = rowOf(table, QStringLiteral("model"));
        QVERIFY(imported >= 0);
        QCOMPARE(table->item(imported, 3)->text(), QStringLiteral("imported"));
        table->selectRow(imported);
        QTimer::singleShot(200, [] {
            for (auto* w : QApplication::topLevelWidgets())
                if (auto* box = qobject_cast<QMessageBox*>(w)) box->button(QMessageBox::Yes)->click();
        });
        d.findChild<QPushButton*>(QStringLiteral("deleteModel"))->click();
        QCOMPARE(rowOf(table, QStringLiteral("model")), -1);
        QVERIFY(!QDir(m_home.filePath(QStringLiteral("models/model"))).exists());
        QVERIFY(rowOf(table, QStringLiteral("tiny/glm4v")) >= 0);

        // Another models folder (a bigger disk): its own list; the first one is left as it was.
        QTemporaryDir other;
        d.setModelsFolder(other.path());
        QCOMPARE(d.modelsFolder(), other.path());
        QCOMPARE(table->rowCount(), 0);
        d.setModelsFolder(m_home.filePath(QStringLiteral("models")));
        QVERIFY(rowOf(table, QStringLiteral("tiny/glm4v")) >= 0);
    }

    // Closing the dialog in the middle of a download stops it and returns promptly.
    void closeDuringDownload() {
        Hub slow;
        QVERIFY(slow.start({QStringLiteral("--rate"), QStringLiteral("20000")}));
        qputenv("HF_ENDPOINT", slow.url.toUtf8());
        QElapsedTimer t;
        {
            app::ModelsDialog d(ui::GenerationSettings{});
            d.show();
            d.findChild<QLineEdit*>(QStringLiteral("pullRepo"))->setText(QStringLiteral("tiny/glm4v"));
            d.findChild<QPushButton*>(QStringLiteral("pullButton"))->click();
            QVERIFY(QTest::qWaitFor([&] { return d.findChild<QProgressBar*>(QStringLiteral("pullProgress"))->value() > 20; }, 30000));
            t.start();
            d.close();
        }
        QVERIFY2(t.elapsed() < 5000, qPrintable(QString::number(t.elapsed())));
    }

private:
    QTemporaryDir m_home;
};

QTEST_MAIN(ModelsDialogTest)
#include "models_dialog_test.moc"
