<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MessageStats</name>
    <message>
        <location filename="../ui/chat_types.cpp" line="+45" />
        <source>TTFT %1 ms · prefill %2 tok/s · decode %3 tok/s · %4+%5 tokens · %6 s · peak %7 %8 · %9</source>
        <translation>首字 %1 ms · 预填充 %2 词元/秒 · 解码 %3 词元/秒 · %4+%5 词元 · %6 秒 · 峰值%7 %8 · %9</translation>
    </message>
    <message>
        <location line="+8" />
        <source>RAM</source>
        <translation>内存</translation>
    </message>
    <message>
        <location line="+0" />
        <source>VRAM</source>
        <translation>显存</translation>
    </message>
    <message>
        <location line="+4" />
        <source> · cut off at the token limit (raise “Max new tokens” in Settings)</source>
        <translation> · 已达到词元上限而截断（可在设置中提高“最大新词元数”）</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../app/gui/main.cpp" line="+93" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Cannot open the chat database: %1</source>
        <translation>无法打开聊天数据库：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/app_wiring.cpp" line="+38" />
        <source>The remote server cannot be used (%1): the local engine answers instead.</source>
        <translation>无法使用远程服务器（%1）：改由本地引擎回答。</translation>
    </message>
    <message>
        <location line="+61" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location line="+65" />
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Sightline: %1
Qt: %2 (built with %3)
libtorch: %4
CUDA runtime: %5
CUDA driver: %6
NVIDIA driver: %7
GPU: %8</source>
        <translation>Sightline：%1
Qt：%2（编译时 %3）
libtorch：%4
CUDA 运行时：%5
CUDA 驱动：%6
NVIDIA 驱动：%7
GPU：%8</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="+23" />
        <source>Moderation</source>
        <translation>审核</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Import queue</source>
        <translation>导入队列</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Queues (*.csv *.jsonl)</source>
        <translation>队列 (*.csv *.jsonl)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <location line="+1" />
        <source>CSV (*.csv);;JSONL (*.jsonl)</source>
        <translation>CSV (*.csv);;JSONL (*.jsonl)</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Exported to %1</source>
        <translation>已导出到 %1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Moderation is unavailable: %1</source>
        <translation>审核功能不可用：%1</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="+78" />
        <source>seconds</source>
        <translation>秒</translation>
    </message>
    <message>
        <location filename="../ui/attach_inspect.cpp" line="+42" />
        <source>%1: videos cannot be attached in this build</source>
        <translation>%1：此版本无法添加视频</translation>
    </message>
    <message>
        <location line="+12" />
        <source>%1 is not an image Sightline can read</source>
        <translation>%1 不是 Sightline 能读取的图片</translation>
    </message>
    <message>
        <location filename="../ui/chat_store_schema.cpp" line="+194" />
        <location line="+5" />
        <source>Cannot read %1: %2</source>
        <translation>无法读取 %1：%2</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Cannot copy %1 into %2: %3</source>
        <translation>无法将 %1 复制到 %2：%3</translation>
    </message>
    <message>
        <location filename="../app/gui/models_dialog.cpp" line="+74" />
        <source>%1: %2 parameters (%3), %4 tensors, %5 on disk
</source>
        <translation>%1：%2 参数（%3），%4 个张量，磁盘占用 %5
</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Every tensor config.json implies is there, with its shape.
</source>
        <translation>config.json 所要求的每个张量都存在，且形状正确。
</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Problem: %1
</source>
        <translation>问题：%1
</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Memory on %1 in %2 (context %3 × %4 slots, the image budget of the settings):
</source>
        <translation>%1 上的内存，%2（上下文 %3 × %4 个槽位，设置中的图片预算）：
</translation>
    </message>
    <message>
        <location line="+4" />
        <source>  weights %1, KV cache %2, vision %3, prefill %4, runtime %5; while loading %6
</source>
        <translation>  权重 %1，KV 缓存 %2，视觉 %3，预填充 %4，运行时 %5；加载期间 %6
</translation>
    </message>
    <message>
        <location line="+2" />
        <source>  total %1, free %2: %3
</source>
        <translation>  总计 %1，可用 %2：%3
</translation>
    </message>
    <message>
        <location line="+1" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location line="+1" />
        <source>fits</source>
        <translation>放得下</translation>
    </message>
    <message>
        <location line="+0" />
        <source>does NOT fit</source>
        <translation>放不下</translation>
    </message>
    <message>
        <location line="+1" />
        <source>  would fit with: %1
</source>
        <translation>  这样可以放下：%1
</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 cannot be used: %2</source>
        <translation>%1 无法使用：%2</translation>
    </message>
    <message>
        <location line="+259" />
        <source>Downloaded %1 files (%2 over the network, %3 already here) in %4, every checksum verified.</source>
        <translation>已下载 %1 个文件（网络传输 %2，本地已有 %3），用时 %4，所有校验和均已验证。</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Stopped. Download again to continue where it stopped.</source>
        <translation>已停止。再次下载即可从中断处继续。</translation>
    </message>
</context>
<context>
    <name>sightline::app</name>
    <message>
        <location filename="../app/gui/moderation_eval_view.cpp" line="+77" />
        <source>vs labels: macro-F1 %1 · agreement %2% · ECE %3</source>
        <translation>对照标签：宏 F1 %1 · 一致率 %2% · ECE %3</translation>
    </message>
    <message>
        <location line="+1" />
        <source> · %1 without a verdict</source>
        <translation> · %1 项无判定</translation>
    </message>
</context>
<context>
    <name>sightline::app::ApiHost</name>
    <message>
        <location filename="../app/gui/api_host.cpp" line="+78" />
        <source>The local API could not start: %1</source>
        <translation>本地 API 无法启动：%1</translation>
    </message>
    <message>
        <location line="-46" />
        <source>The API key cannot be used: %1</source>
        <translation>无法使用 API 密钥：%1</translation>
    </message>
    <message>
        <location line="+10" />
        <source>A new API key could not be written: %1</source>
        <translation>无法写入新的 API 密钥：%1</translation>
    </message>
    <message>
        <location line="+51" />
        <source>API: http://127.0.0.1:%1/v1</source>
        <translation>API：http://127.0.0.1:%1/v1</translation>
    </message>
    <message>
        <location line="+0" />
        <source>API: off</source>
        <translation>API：关闭</translation>
    </message>
</context>
<context>
    <name>sightline::app::EngineController</name>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="+148" />
        <source>CPU run: process peak memory shown; no GPU utilisation</source>
        <translation>CPU 运行：显示进程峰值内存；无 GPU 利用率</translation>
    </message>
    <message>
        <location line="+9" />
        <source>video %1:%2, %3×%4, %5 fps</source>
        <translation>视频 %1:%2，%3×%4，%5 fps</translation>
    </message>
    <message>
        <location line="+8" />
        <source> (the remote server samples it)</source>
        <translation>（由远程服务器抽帧）</translation>
    </message>
    <message>
        <location line="+1" />
        <source> → %1 frames at %2×%3, %4 video tokens</source>
        <translation> → %1 帧，每帧 %2×%3，%4 个视频词元</translation>
    </message>
    <message>
        <location line="+7" />
        <source>%1×%2 px</source>
        <translation>%1×%2 像素</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1×%2 px (the remote server prepares it)</source>
        <translation>%1×%2 像素（由远程服务器处理）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1×%2 → %3×%4 px, %5 image tokens</source>
        <translation>%1×%2 → %3×%4 像素，%5 个图像词元</translation>
    </message>
</context>
<context>
    <name>sightline::app::EngineWorker</name>
    <message>
        <location filename="../app/gui/engine_worker.cpp" line="+179" />
        <source>This question alone has %1 tokens, more than the model's context of %2: shorten it or attach fewer or smaller images (Settings → Max image pixels)</source>
        <translation>仅这个问题就有 %1 个词元，超过了模型的上下文 %2：请缩短问题，或添加更少、更小的图片（设置 → 最大图片像素）</translation>
    </message>
    <message>
        <location line="+12" />
        <source>The conversation is longer than the model's context: its %1 oldest messages were left out of this question (they stay in the chat).</source>
        <translation>对话长度超过了模型的上下文：本次提问未包含最早的 %1 条消息（它们仍保留在对话中）。</translation>
    </message>
    <message>
        <location line="+61" />
        <source>Load a model first.</source>
        <translation>请先加载模型。</translation>
    </message>
    <message>
        <location line="+15" />
        <source>%1 %2 / %3…</source>
        <translation>%1 %2 / %3…</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Benchmark failed: %1</source>
        <translation>基准测试失败：%1</translation>
    </message>
</context>
<context>
    <name>sightline::app::ModelsDialog</name>
    <message>
        <location filename="../app/gui/models_dialog.cpp" line="-250" />
        <source>Models</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Change…</source>
        <translation>更改…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Keep models in another folder (a bigger disk); models already there stay where they are</source>
        <translation>将模型保存在另一个文件夹（更大的磁盘）；已有的模型留在原处</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Models folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="+0" />
        <location line="+85" />
        <source>Size</source>
        <translation>大小</translation>
    </message>
    <message>
        <location line="-85" />
        <source>Parameters</source>
        <translation>参数</translation>
    </message>
    <message>
        <location line="+0" />
        <location line="+59" />
        <source>From</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="-59" />
        <source>State</source>
        <translation>状态</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Use</source>
        <translation>使用</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Load this model (it becomes your model folder)</source>
        <translation>加载此模型（它将成为您的模型文件夹）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Will it fit?</source>
        <translation>放得下吗？</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Import folder…</source>
        <translation>导入文件夹…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Copy a checkpoint folder you already have into the models folder (checked first)</source>
        <translation>将您已有的检查点文件夹复制到模型文件夹（先行检查）</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Select a model and press "Will it fit?": every tensor is checked (no weights read) and the memory it needs with the current settings is compared with what is free.</source>
        <translation>选择一个模型并按“放得下吗？”：检查每个张量（不读取权重），并将当前设置下所需的内存与可用内存进行比较。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Download a model</source>
        <translation>下载模型</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Hugging Face</source>
        <translation>Hugging Face</translation>
    </message>
    <message>
        <location line="+1" />
        <source>ModelScope</source>
        <translation>ModelScope（魔搭）</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Repository</source>
        <translation>仓库</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Download</source>
        <translation>下载</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Stop the download; the next download of the same model continues where it stopped</source>
        <translation>停止下载；下次下载同一模型时从中断处继续</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Files are checked against the hub's checksums; an interrupted download continues where it stopped. HF_ENDPOINT and HF_TOKEN are honoured.</source>
        <translation>文件会按模型仓库提供的校验和进行验证；中断的下载会从中断处继续。支持 HF_ENDPOINT 和 HF_TOKEN。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>File</source>
        <translation>文件</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Progress</source>
        <translation>进度</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Close</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+29" />
        <source>Models folder: %1</source>
        <translation>模型文件夹：%1</translation>
    </message>
    <message>
        <location line="+13" />
        <source>incomplete download</source>
        <translation>下载未完成</translation>
    </message>
    <message>
        <location line="+0" />
        <location line="+118" />
        <source>verified</source>
        <translation>已验证</translation>
    </message>
    <message>
        <location line="-118" />
        <source>not verified</source>
        <translation>未验证</translation>
    </message>
    <message>
        <location line="+7" />
        <source>problems: %1</source>
        <translation>问题：%1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>unusable</source>
        <translation>不可用</translation>
    </message>
    <message>
        <location line="+6" />
        <source>imported</source>
        <translation>已导入</translation>
    </message>
    <message>
        <location line="+0" />
        <source>unknown</source>
        <translation>未知</translation>
    </message>
    <message>
        <location line="+5" />
        <source>No models yet: download GLM-4.6V-Flash below, or import a folder you have.</source>
        <translation>尚无模型：请在下方下载 GLM-4.6V-Flash，或导入您已有的文件夹。</translation>
    </message>
    <message>
        <location line="+29" />
        <source>Checking %1…</source>
        <translation>正在检查 %1…</translation>
    </message>
    <message>
        <location line="+31" />
        <source>Listing %1 on %2…</source>
        <translation>正在列出 %2 上的 %1…</translation>
    </message>
    <message>
        <location line="+25" />
        <source>Stopping…</source>
        <translation>正在停止…</translation>
    </message>
    <message>
        <location line="+14" />
        <source>already here</source>
        <translation>本地已有</translation>
    </message>
    <message>
        <location line="+2" />
        <source>resuming at %1%</source>
        <translation>从 %1% 处继续</translation>
    </message>
    <message>
        <location line="+1" />
        <source>verifying</source>
        <translation>正在验证</translation>
    </message>
    <message>
        <location line="+1" />
        <source>retrying</source>
        <translation>正在重试</translation>
    </message>
    <message>
        <location line="+1" />
        <source>failed</source>
        <translation>失败</translation>
    </message>
    <message>
        <location line="+1" />
        <source>waiting</source>
        <translation>等待中</translation>
    </message>
    <message>
        <location line="+5" />
        <source>%1/s, %2 left</source>
        <translation>%1/秒，剩余 %2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>; %1 were already here</source>
        <translation>；本地已有 %1</translation>
    </message>
    <message>
        <location line="+19" />
        <source>Checkpoint folder to import</source>
        <translation>要导入的检查点文件夹</translation>
    </message>
    <message>
        <location line="+7" />
        <source>%1 does not match its config.json; not imported:
%2</source>
        <translation>%1 与其 config.json 不符；未导入：
%2</translation>
    </message>
    <message>
        <location line="+15" />
        <location line="+12" />
        <source>Importing %1…</source>
        <translation>正在导入 %1…</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Imported %1 as %2.</source>
        <translation>已将 %1 导入为 %2。</translation>
    </message>
    <message>
        <location line="-27" />
        <location line="+29" />
        <source>Not imported: %1</source>
        <translation>未导入：%1</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Delete model</source>
        <translation>删除模型</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Delete %1 and its files (%2)?</source>
        <translation>删除 %1 及其文件（%2）？</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Deleted %1.</source>
        <translation>已删除 %1。</translation>
    </message>
</context>
<context>
    <name>sightline::app::ModerationController</name>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="+102" />
        <source>%1 items · %2 judged · %3 errors · %4 decided · %5 items/h · agreement %6% · override rate %7% · median review %8 s</source>
        <translation>%1 项 · 已判定 %2 · 错误 %3 · 已决定 %4 · 每小时 %5 项 · 一致率 %6% · 推翻率 %7% · 审核中位时间 %8 秒</translation>
    </message>
    <message>
        <location line="+63" />
        <source>%1 new items</source>
        <translation>新增 %1 项</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Load a model before running the queue.</source>
        <translation>运行队列前请先加载模型。</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_runner.cpp" line="+53" />
        <source>The moderation run stopped on an unknown error.</source>
        <translation>审核运行因未知错误而停止。</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="-117" />
        <source>Queue done · %1 judged · %2 errors</source>
        <translation>队列完成 · 已判定 %1 · 错误 %2</translation>
    </message>
    <message>
        <location line="-1" />
        <source>Cancelled; Run continues where it stopped</source>
        <translation>已取消；再次运行将从中断处继续</translation>
    </message>
    <message>
        <location line="+79" />
        <source>Labels not imported: %1</source>
        <translation>标签未导入：%1</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Import labels</source>
        <translation>导入标签</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Labels (*.csv);;All files (*)</source>
        <translation>标签 (*.csv);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+70" />
        <source>A policy needs instructions.</source>
        <translation>策略需要指令。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Policy %1 saved</source>
        <translation>策略 %1 已保存</translation>
    </message>
    <message>
        <location line="+38" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::AboutDialog</name>
    <message>
        <location filename="../ui/about_dialog.cpp" line="+19" />
        <source>About Sightline</source>
        <translation>关于 Sightline</translation>
    </message>
    <message>
        <location line="+5" />
        <source>&lt;h2&gt;Sightline %1&lt;/h2&gt;&lt;p&gt;Local visual question answering with GLM-4.6V-Flash.&lt;br&gt;Your images and chats stay on this computer.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;Sightline %1&lt;/h2&gt;&lt;p&gt;使用 GLM-4.6V-Flash 在本地进行图像问答。&lt;br&gt;您的图片和对话都保留在这台电脑上。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Versions</source>
        <translation>版本</translation>
    </message>
    <message>
        <location line="+21" />
        <source>Copy versions</source>
        <translation>复制版本信息</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Copied ✓</source>
        <translation>已复制 ✓</translation>
    </message>
</context>
<context>
    <name>sightline::ui::BoxesPanel</name>
    <message>
        <location filename="../ui/boxes_view.cpp" line="+160" />
        <source>Boxes</source>
        <translation>框</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Show the boxes the answer gives on its images</source>
        <translation>在图片上显示回答给出的框</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Save image…</source>
        <translation>保存图片…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Save the image with its boxes as PNG</source>
        <translation>将带框的图片保存为 PNG</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Save boxes…</source>
        <translation>保存框…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Save the boxes as JSON (the model's 0–1000 grid and the image's pixels)</source>
        <translation>将框保存为 JSON（模型的 0–1000 坐标和图片像素坐标）</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Save image with boxes</source>
        <translation>保存带框的图片</translation>
    </message>
    <message>
        <location line="+0" />
        <source>PNG (*.png)</source>
        <translation>PNG (*.png)</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Save boxes</source>
        <translation>保存框</translation>
    </message>
    <message>
        <location line="+0" />
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location line="+74" />
        <source>Click to view large</source>
        <translation>点击查看大图</translation>
    </message>
    <message>
        <location line="+100" />
        <source>The image cannot be read</source>
        <translation>无法读取图片</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+11" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ChatListPanel</name>
    <message>
        <location filename="../ui/chat_list_panel.cpp" line="+28" />
        <location line="+1" />
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location line="+1" />
        <source>New chat (Ctrl+N); the draft of this chat is kept</source>
        <translation>新对话 (Ctrl+N)；本对话的草稿会保留</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+95" />
        <source>Chat settings…</source>
        <translation>对话设置…</translation>
    </message>
    <message>
        <location line="-94" />
        <source>This chat's system prompt</source>
        <translation>本对话的系统提示词</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+143" />
        <source>Chat settings</source>
        <translation>对话设置</translation>
    </message>
    <message>
        <location line="-139" />
        <location line="+1" />
        <source>Search chats</source>
        <translation>搜索对话</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Chat history</source>
        <translation>对话历史</translation>
    </message>
    <message>
        <location line="+24" />
        <source>Today</source>
        <translation>今天</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Yesterday</source>
        <translation>昨天</translation>
    </message>
    <message>
        <location line="+13" />
        <source>Could not read the chat list: %1</source>
        <translation>无法读取对话列表：%1</translation>
    </message>
    <message>
        <location line="+23" />
        <source>No chat matches “%1”.</source>
        <translation>没有与“%1”匹配的对话。</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Rename…</source>
        <translation>重命名…</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Delete…</source>
        <translation>删除…</translation>
    </message>
    <message>
        <location line="+27" />
        <source>Delete chat</source>
        <translation>删除对话</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Delete “%1” with all its messages, versions and images? This cannot be undone.</source>
        <translation>删除“%1”及其全部消息、版本和图片？此操作无法撤销。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Rename chat</source>
        <translation>重命名对话</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Title:</source>
        <translation>标题：</translation>
    </message>
    <message>
        <location line="+10" />
        <source>System prompt for this chat (sent before every turn; empty: none):</source>
        <translation>本对话的系统提示词（每轮之前发送；留空：不使用）：</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Could not read the chat: %1</source>
        <translation>无法读取对话：%1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ChatStore</name>
    <message>
        <location filename="../ui/chat_store.cpp" line="+193" />
        <source>Could not save the chat (%1): %2. Nothing of this change was saved.</source>
        <translation>无法保存对话（%1）：%2。此次更改均未保存。</translation>
    </message>
    <message>
        <location filename="../ui/chat_store_schema.cpp" line="-28" />
        <source>Could not clean up image copies: %1</source>
        <translation>无法清理图片副本：%1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ChatView</name>
    <message>
        <location filename="../ui/chat_view.cpp" line="+19" />
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
    <message>
        <location line="+16" />
        <source>Cancel edit</source>
        <translation>取消编辑</translation>
    </message>
</context>
<context>
    <name>sightline::ui::Composer</name>
    <message>
        <location filename="../ui/composer.cpp" line="+100" />
        <source>Image…</source>
        <translation>图片…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Attach images (or drop / paste them here)</source>
        <translation>添加图片（或拖放 / 粘贴到这里）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Attach image</source>
        <translation>添加图片</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Ask about an image… (Ctrl+Enter to send; drop or paste images)</source>
        <translation>就图片提问…（Ctrl+Enter 发送；可拖放或粘贴图片）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location line="+8" />
        <location line="+1" />
        <location line="+31" />
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Reading…</source>
        <translation>读取中…</translation>
    </message>
    <message>
        <location line="+41" />
        <source>%1 is a folder, not an image</source>
        <translation>%1 是文件夹，不是图片</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Cannot read %1</source>
        <translation>无法读取 %1</translation>
    </message>
    <message>
        <location line="+6" />
        <source>%1: PDFs cannot be attached in this build</source>
        <translation>%1：此版本无法添加 PDF</translation>
    </message>
    <message>
        <location line="+38" />
        <source>%1 was not attached: a question takes images or one video, not both</source>
        <translation>未添加 %1：一个问题可以带图片或一个视频，不能同时带两者</translation>
    </message>
    <message>
        <location line="+46" />
        <source>%1 is not a local file</source>
        <translation>%1 不是本地文件</translation>
    </message>
    <message>
        <location line="+10" />
        <source>The pasted data is not an image Sightline can read</source>
        <translation>粘贴的内容不是 Sightline 能读取的图片</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Cannot save the pasted image to %1</source>
        <translation>无法将粘贴的图片保存到 %1</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Attach images</source>
        <translation>添加图片</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Images, PDFs and videos (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf *.mp4 *.mov *.m4v *.mkv *.webm *.avi);;All files (*)</source>
        <translation>图片、PDF 和视频 (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf *.mp4 *.mov *.m4v *.mkv *.webm *.avi);;所有文件 (*)</translation>
    </message>
    <message>
        <location line="+46" />
        <source>Remove image</source>
        <translation>移除图片</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Remove %1</source>
        <translation>移除%1</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Click to view</source>
        <translation>点击查看</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Image %1</source>
        <translation>图片 %1</translation>
    </message>
    <message>
        <location line="+17" />
        <source>Reading %1…</source>
        <translation>正在读取 %1…</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Image being read</source>
        <translation>正在读取的图片</translation>
    </message>
</context>
<context>
    <name>sightline::ui::DropOverlay</name>
    <message>
        <location filename="../ui/attach_drop_overlay.cpp" line="+48" />
        <source>Drop images to attach them to your question</source>
        <translation>拖放图片即可添加到问题中</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ImageViewer</name>
    <message>
        <location filename="../ui/image_viewer.cpp" line="+124" />
        <location line="+7" />
        <location line="+113" />
        <source>Image</source>
        <translation>图片</translation>
    </message>
    <message>
        <location line="-100" />
        <source>Previous image (←)</source>
        <translation>上一张 (←)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Next image (→)</source>
        <translation>下一张 (→)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Zoom out (-)</source>
        <translation>缩小 (-)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Zoom in (+)</source>
        <translation>放大 (+)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Fit</source>
        <translation>适应</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Fit to the window (F)</source>
        <translation>适应窗口 (F)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Actual size (1)</source>
        <translation>实际大小 (1)</translation>
    </message>
    <message>
        <location line="+58" />
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Cannot show %1</source>
        <translation>无法显示 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 · %2×%3 px</source>
        <translation>%1 · %2×%3 像素</translation>
    </message>
    <message>
        <location line="+11" />
        <source>%1 of %2 · </source>
        <translation>第 %1 / %2 张 · </translation>
    </message>
</context>
<context>
    <name>sightline::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="+33" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location line="+32" />
        <location line="+165" />
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location line="-159" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window_menus.cpp" line="+28" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="+162" />
        <source>Could not load the model: %1
Choose the GLM-4.6V-Flash checkpoint folder (with config.json and *.safetensors), or check the device in Settings.</source>
        <translation>无法加载模型：%1
请选择 GLM-4.6V-Flash 模型文件夹（包含 config.json 和 *.safetensors），或在设置中检查设备。</translation>
    </message>
    <message>
        <location line="+3" />
        <location filename="../ui/main_window_demo.cpp" line="+79" />
        <source>Open model folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location filename="../ui/main_window_menus.cpp" line="+81" />
        <source>GLM-4.6V-Flash folder</source>
        <translation>GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location line="-71" />
        <source>Export chat as Markdown…</source>
        <translation>导出对话为 Markdown…</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+4" />
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Export chat as JSON…</source>
        <translation>导出对话为 JSON…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location line="+10" />
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Stop answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="-126" />
        <source>Copied to the clipboard</source>
        <translation>已复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../ui/main_window_menus.cpp" line="-24" />
        <source>&amp;Open model folder…</source>
        <translation>打开模型文件夹(&amp;O)…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&amp;Models…</source>
        <translation>模型(&amp;M)…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&amp;Recent models</source>
        <translation>最近的模型(&amp;R)</translation>
    </message>
    <message>
        <location line="+17" />
        <source>&amp;Paste into the question</source>
        <translation>粘贴到问题中(&amp;P)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Attach image…</source>
        <translation>添加图片…</translation>
    </message>
    <message>
        <location line="+8" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Next chat</source>
        <translation>下一个对话</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Previous chat</source>
        <translation>上一个对话</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location line="+3" />
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&amp;About Sightline</source>
        <translation>关于 Sightline(&amp;A)</translation>
    </message>
    <message>
        <location line="+28" />
        <source>No recent models</source>
        <translation>没有最近的模型</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Clear list</source>
        <translation>清空列表</translation>
    </message>
    <message>
        <location line="+43" />
        <source>Sightline: %1
Qt: %2</source>
        <translation>Sightline：%1
Qt：%2</translation>
    </message>
    <message>
        <location line="+57" />
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="+33" />
        <source>&lt;h2&gt;Ask about an image&lt;/h2&gt;&lt;p&gt;Drop, paste or attach an image, type a question, and press Ctrl+Enter.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;就图片提问&lt;/h2&gt;&lt;p&gt;拖放、粘贴或添加一张图片，输入问题，然后按 Ctrl+Enter。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Choose the GLM-4.6V-Flash folder</source>
        <translation>选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location line="+33" />
        <location filename="../ui/main_window_chat.cpp" line="+127" />
        <location line="+91" />
        <location line="+91" />
        <location line="+19" />
        <location line="+17" />
        <source>Could not save or read the chat history: %1</source>
        <translation>无法保存或读取对话历史：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window_chat.cpp" line="-319" />
        <source>Could not read the chat history: %1</source>
        <translation>无法读取对话历史：%1</translation>
    </message>
    <message>
        <location line="+43" />
        <source>No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…</source>
        <translation>尚无模型：请通过“文件 → 打开模型文件夹…”选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location line="+1" />
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Image question</source>
        <translation>图片提问</translation>
    </message>
    <message>
        <location line="+66" />
        <source>Could not keep a copy of the image: %1</source>
        <translation>无法保存图片副本：%1</translation>
    </message>
    <message>
        <location line="+142" />
        <source>Out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Retry with a smaller image budget</source>
        <translation>以更小的图片预算重试</translation>
    </message>
    <message>
        <location line="+33" />
        <source>Editing “%1”: Send adds your text as a new version of it. The answers after it stay with the old version (switch back with ‹ ›).</source>
        <translation>正在编辑“%1”：发送后，您的文字将作为它的新版本。之后的回答保留在旧版本中（可用 ‹ › 切换回去）。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="-42" />
        <source>&lt;h2&gt;Welcome to Sightline&lt;/h2&gt;&lt;p&gt;Sightline answers questions about images with &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt;, running on your own GPU.&lt;/p&gt;&lt;p&gt;Download it (about 21 GB) from Hugging Face (&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;) or ModelScope (ZhipuAI/GLM-4.6V-Flash) with &lt;i&gt;File → Models…&lt;/i&gt; (resumable, checksums verified, and it tells you first whether the model fits your GPU), or with &lt;code&gt;sightline-cli models pull zai-org/GLM-4.6V-Flash&lt;/code&gt;; a folder you already have opens with &lt;i&gt;File → Open model folder…&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Your earlier chats stay browsable meanwhile.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;欢迎使用 Sightline&lt;/h2&gt;&lt;p&gt;Sightline 使用在您自己的 GPU 上运行的 &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt; 回答关于图片的问题。&lt;/p&gt;&lt;p&gt;请通过&lt;i&gt;文件 → 模型…&lt;/i&gt;从 ModelScope（ZhipuAI/GLM-4.6V-Flash）或 Hugging Face（&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;）下载（约 21 GB；可断点续传，校验和会被验证，并会先告诉您模型能否放进您的 GPU），或使用 &lt;code&gt;sightline-cli models pull zai-org/GLM-4.6V-Flash&lt;/code&gt;；已有的文件夹可通过&lt;i&gt;文件 → 打开模型文件夹…&lt;/i&gt;打开。&lt;/p&gt;&lt;p&gt;在此期间仍可浏览以前的对话。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+40" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location line="+20" />
        <source>Demo model (coloured shapes and counts) · %1 on %2</source>
        <translation>演示模型（彩色形状和数量）· %1，运行于 %2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>%1 on %2</source>
        <translation>%1，运行于 %2</translation>
    </message>
    <message>
        <location line="+12" />
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <location line="+11" />
        <source>%1 · VRAM %2 / %3</source>
        <translation>%1 · 显存 %2 / %3</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1 · RAM %2</source>
        <translation>%1 · 内存 %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window_demo.cpp" line="-34" />
        <location filename="../ui/main_window_menus.cpp" line="-133" />
        <source>Get GLM-4.6V-Flash…</source>
        <translation>获取 GLM-4.6V-Flash…</translation>
    </message>
    <message>
        <location line="-2" />
        <source>Demo model: it knows coloured shapes and counts them, nothing else (it cannot yet read printed words or say where an object is). For real questions about any image, get GLM-4.6V-Flash.</source>
        <translation>演示模型：它只认识彩色形状并能数出数量（还不能读出印刷文字，也不能指出物体的位置）。若要就任意图片提出真正的问题，请获取 GLM-4.6V-Flash。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>&lt;h2&gt;Welcome to Sightline&lt;/h2&gt;&lt;p&gt;You are using the &lt;b&gt;demo model&lt;/b&gt;: a tiny model trained for this app that knows coloured shapes (circle, square, triangle, star in red, green, blue, yellow, purple, orange) and how many there are. Attach an image like that and ask, for example, &lt;i&gt;What colour is the circle?&lt;/i&gt;, &lt;i&gt;What shape is the red object?&lt;/i&gt; or &lt;i&gt;How many shapes are there?&lt;/i&gt; It was also taught to read one printed word and to say where an object is, but it gets those wrong almost every time. It cannot answer anything else, and it was trained on single questions: start a new chat for each one.&lt;/p&gt;&lt;p&gt;For real questions about any image, get &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt; (about 21 GB) from &lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;Hugging Face&lt;/a&gt; or ModelScope with &lt;i&gt;File → Models…&lt;/i&gt;, or choose a folder you already have with &lt;i&gt;File → Open model folder…&lt;/i&gt;.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;欢迎使用 Sightline&lt;/h2&gt;&lt;p&gt;您正在使用&lt;b&gt;演示模型&lt;/b&gt;：一个为本应用训练的小模型，认识彩色形状（红、绿、蓝、黄、紫、橙色的圆形、正方形、三角形、星形）以及它们的数量。添加这样的图片并提问，例如&lt;i&gt;圆形是什么颜色？&lt;/i&gt;、&lt;i&gt;红色物体是什么形状？&lt;/i&gt;或&lt;i&gt;有几个形状？&lt;/i&gt;。它也学过读出一个印刷单词和指出物体的位置，但几乎总是答错。其他问题它无法回答；它只学过单个问题：每个问题请新开一个对话。&lt;/p&gt;&lt;p&gt;若要就任意图片提出真正的问题，请通过&lt;i&gt;文件 → 模型…&lt;/i&gt;从 &lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;Hugging Face&lt;/a&gt; 或 ModelScope 获取 &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt;（约 21 GB），或通过&lt;i&gt;文件 → 打开模型文件夹…&lt;/i&gt;选择已有的文件夹。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Get GLM-4.6V-Flash</source>
        <translation>获取 GLM-4.6V-Flash</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&lt;p&gt;Sightline answers questions about any image with &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt;, on your own GPU (or slowly on the CPU).&lt;/p&gt;&lt;p&gt;Download it (about 21 GB) from Hugging Face (&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;) or ModelScope (ZhipuAI/GLM-4.6V-Flash) here: &lt;b&gt;Download…&lt;/b&gt; opens the Models window, which checks first whether it fits your GPU, resumes an interrupted download and verifies every file. On the command line:&lt;/p&gt;&lt;p&gt;&lt;code&gt;sightline-cli models pull zai-org/GLM-4.6V-Flash&lt;/code&gt;&lt;/p&gt;&lt;p&gt;A folder you already have opens with &lt;b&gt;Open model folder…&lt;/b&gt;. It becomes your model; the demo model stays available when no model is set.&lt;/p&gt;</source>
        <translation>&lt;p&gt;Sightline 使用 &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt; 在您自己的 GPU 上（或较慢地在 CPU 上）回答关于任意图片的问题。&lt;/p&gt;&lt;p&gt;可在此处从 Hugging Face（&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;）或 ModelScope（ZhipuAI/GLM-4.6V-Flash）下载（约 21 GB）：&lt;b&gt;下载…&lt;/b&gt;会打开“模型”窗口，它会先检查模型能否放进您的 GPU，中断的下载可继续，并验证每个文件。命令行：&lt;/p&gt;&lt;p&gt;&lt;code&gt;sightline-cli models pull zai-org/GLM-4.6V-Flash&lt;/code&gt;&lt;/p&gt;&lt;p&gt;已有的文件夹可通过&lt;b&gt;打开模型文件夹…&lt;/b&gt;打开。它将成为您的模型；未设置模型时仍可使用演示模型。&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Download…</source>
        <translation>下载…</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MessageWidget</name>
    <message>
        <location filename="../ui/message_widget.cpp" line="+76" />
        <source>Previous version</source>
        <translation>上一个版本</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Next version</source>
        <translation>下一个版本</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Copy the first code block</source>
        <translation>复制第一个代码块</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+182" />
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location line="-182" />
        <source>Regenerate this answer</source>
        <translation>重新生成此回答</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Show reasoning</source>
        <translation>显示推理过程</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Message text</source>
        <translation>消息内容</translation>
    </message>
    <message>
        <location line="+72" />
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Assistant</source>
        <translation>助手</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Version %1 of %2</source>
        <translation>第 %1 版，共 %2 版</translation>
    </message>
    <message>
        <location line="+24" />
        <source>Attached image %1</source>
        <translation>附加图片 %1</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Reasoning (unfinished)</source>
        <translation>推理过程（未完成）</translation>
    </message>
    <message>
        <location line="+37" />
        <source>Stopped. </source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Stopped while thinking, before any answer. </source>
        <translation>在思考时停止，尚未给出回答。</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Interrupted: Sightline closed while this answer was being written; what had arrived is kept. Regenerate for a full answer.</source>
        <translation>已中断：写入此回答时 Sightline 被关闭；已收到的内容已保留。重新生成可得到完整回答。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>The answer failed part-way</source>
        <translation>回答中途失败</translation>
    </message>
    <message>
        <location line="+0" />
        <source>The answer failed before it started</source>
        <translation>回答在开始前失败</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Lower “Max image pixels” in Settings or close other programs using the GPU, then press Retry.</source>
        <translation>请在设置中降低“最大图片像素”，或关闭其他占用 GPU 的程序，然后按“重试”。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Check the images and the model in Settings, then press Retry.</source>
        <translation>请检查图片和设置中的模型，然后按“重试”。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Retry</source>
        <translation>重试</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Try this answer again</source>
        <translation>再次尝试此回答</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Regenerate this answer (the old one stays as a version)</source>
        <translation>重新生成此回答（旧回答保留为一个版本）</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ModerationEvalDialog</name>
    <message>
        <location filename="../ui/moderation_eval_dialog.cpp" line="+14" />
        <source>Moderation evaluation</source>
        <translation>审核评估</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Evaluation tables</source>
        <translation>评估表</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Import labels…</source>
        <translation>导入标签…</translation>
    </message>
    <message>
        <location line="+2" />
        <source>A CSV with the columns id,label,category: label approve, reject or escalate; category the rule a reject breaks</source>
        <translation>包含 id,label,category 列的 CSV：label 为 approve、reject 或 escalate；category 为被拒绝项违反的规则</translation>
    </message>
    <message>
        <location line="+14" />
        <source>No labels yet. Import a CSV of the right answers (id,label,category) to measure the model's verdicts on this queue: it works for any model and any queue.</source>
        <translation>尚无标签。导入正确答案的 CSV（id,label,category）即可衡量模型在此队列上的判定：适用于任何模型和任何队列。</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Labels: %1 · updated as verdicts come in</source>
        <translation>标签：%1 · 随判定结果更新</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MonitorWidget</name>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="+207" />
        <source>Latency per request</source>
        <translation>每个请求的延迟</translation>
    </message>
    <message>
        <location line="+0" />
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <location line="-18" />
        <source>TTFT</source>
        <translation>首字</translation>
    </message>
    <message>
        <location line="+2" />
        <source>total</source>
        <translation>总计</translation>
    </message>
    <message>
        <location line="+2" />
        <source>decode tok/s</source>
        <translation>解码 词元/秒</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+12" />
        <source>requests/min</source>
        <translation>请求/分钟</translation>
    </message>
    <message>
        <location line="-10" />
        <source>alloc</source>
        <translation>已分配</translation>
    </message>
    <message>
        <location line="+2" />
        <source>reserved</source>
        <translation>已预留</translation>
    </message>
    <message>
        <location line="+2" />
        <source>used</source>
        <translation>已用</translation>
    </message>
    <message>
        <location line="+2" />
        <source>capacity</source>
        <translation>容量</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+4" />
        <source>GPU %</source>
        <translation>GPU %</translation>
    </message>
    <message>
        <location line="-2" />
        <source>tokens/s</source>
        <translation>词元/秒</translation>
    </message>
    <message>
        <location line="+2" />
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Memory and GPU utilisation</source>
        <translation>内存与 GPU 利用率</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Time to first token and total latency of each request (ms)</source>
        <translation>每个请求的首字时间和总延迟（毫秒）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Decode speed of each request (tokens/s, left) and requests in the last minute (right)</source>
        <translation>每个请求的解码速度（词元/秒，左轴）和最近一分钟的请求数（右轴）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Memory allocated by the engine, reserved by the allocator, used on the device by all processes and the device total (GiB, left); GPU utilisation (%, right)</source>
        <translation>引擎已分配、分配器已预留、设备上所有进程已用的内存及设备总量（GiB，左轴）；GPU 利用率（%，右轴）</translation>
    </message>
    <message>
        <location line="+11" />
        <source>Scheduler: no model loaded</source>
        <translation>调度器：未加载模型</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Recent requests</source>
        <translation>最近的请求</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Export requests</source>
        <translation>导出请求</translation>
    </message>
    <message>
        <location line="+0" />
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location line="+15" />
        <source>Describe this image in detail.</source>
        <translation>详细描述这张图片。</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Image width (0: no image)</source>
        <translation>图片宽度（0：无图片）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image height</source>
        <translation>图片高度</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Tokens to generate</source>
        <translation>生成词元数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Warm-up runs</source>
        <translation>预热次数</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Loops (-n)</source>
        <translation>循环次数 (-n)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Repeats (-r)</source>
        <translation>重复次数 (-r)</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Run benchmark</source>
        <translation>运行基准测试</translation>
    </message>
    <message>
        <location line="+10" />
        <source>Benchmark</source>
        <translation>基准测试</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Running…</source>
        <translation>运行中…</translation>
    </message>
    <message>
        <location line="+45" />
        <source>No requests yet</source>
        <translation>尚无请求</translation>
    </message>
    <message>
        <location line="+1" />
        <source>TTFT P50 %1 / P95 %2 / P99 %3 ms · total P50 %4 / P95 %5 / P99 %6 ms (last %7)</source>
        <translation>首字 P50 %1 / P95 %2 / P99 %3 毫秒 · 总计 P50 %4 / P95 %5 / P99 %6 毫秒（最近 %7 个）</translation>
    </message>
    <message>
        <location line="+25" />
        <source>Scheduler: %1 of %2 slots decoding · %3 waiting (chat %4, moderation %5, other %6) · mean batch %7 · %8 requests done</source>
        <translation>调度器：%2 个槽位中 %1 个正在解码 · %3 个等待（对话 %4，审核 %5，其他 %6）· 平均批大小 %7 · 已完成 %8 个请求</translation>
    </message>
</context>
<context>
    <name>sightline::ui::NoticeBanner</name>
    <message>
        <location filename="../ui/notice_banner.cpp" line="+17" />
        <source>Notice</source>
        <translation>提示</translation>
    </message>
    <message>
        <location line="+14" />
        <source>Dismiss</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Dismiss notice</source>
        <translation>关闭提示</translation>
    </message>
    <message>
        <location line="+78" />
        <source>Error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Information</source>
        <translation>信息</translation>
    </message>
</context>
<context>
    <name>sightline::ui::PolicyDialog</name>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="+13" />
        <source>Moderation policy</source>
        <translation>审核策略</translation>
    </message>
    <message>
        <location line="+6" />
        <source>One rule per line, e.g. "prohibited_goods: weapons, drugs, counterfeits"</source>
        <translation>每行一条规则，例如 "prohibited_goods: 武器、毒品、假冒商品"</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Instructions</source>
        <translation>指令</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Rules (one per line)</source>
        <translation>规则（每行一条）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Current version</source>
        <translation>当前版本</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Saving makes a new policy version; verdicts already given keep the version they were made with.</source>
        <translation>保存会生成新的策略版本；已有判定保留其生成时的版本。</translation>
    </message>
</context>
<context>
    <name>sightline::ui::RequestTableModel</name>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="-271" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image tok</source>
        <translation>图像词元</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Prompt tok</source>
        <translation>提示词元</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Output tok</source>
        <translation>输出词元</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Preproc ms</source>
        <translation>预处理 毫秒</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Vision ms</source>
        <translation>视觉 毫秒</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Prefill ms</source>
        <translation>预填充 毫秒</translation>
    </message>
    <message>
        <location line="+1" />
        <source>TTFT ms</source>
        <translation>首字 毫秒</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Total ms</source>
        <translation>总计 毫秒</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Decode tok/s</source>
        <translation>解码 词元/秒</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Memory delta</source>
        <translation>内存增量</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ReviewWidget</name>
    <message>
        <location filename="../ui/review_widget.cpp" line="+48" />
        <source>Import queue…</source>
        <translation>导入队列…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Run model</source>
        <translation>运行模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Policy…</source>
        <translation>策略…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Evaluate…</source>
        <translation>评估…</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Measure the verdicts against labels you import: precision, recall, F1, confusion, calibration</source>
        <translation>用您导入的标签衡量判定：精确率、召回率、F1、混淆矩阵、校准</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Undo decision</source>
        <translation>撤销决定</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Take back the last decision made here (Ctrl+Z)</source>
        <translation>撤回在此做出的上一个决定 (Ctrl+Z)</translation>
    </message>
    <message>
        <location line="+16" />
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Awaiting decision</source>
        <translation>待决定</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Disagreements</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Low confidence</source>
        <translation>低置信度</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Queue order</source>
        <translation>队列顺序</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Lowest confidence first</source>
        <translation>置信度从低到高</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Moderation queue</source>
        <translation>审核队列</translation>
    </message>
    <message>
        <location line="+9" />
        <source>Listing image</source>
        <translation>商品图片</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Note (optional), then A approve · R reject · E escalate · N/P next/previous · Ctrl+Z undo</source>
        <translation>备注（可选），然后 A 通过 · R 拒绝 · E 上报 · N/P 下一个/上一个 · Ctrl+Z 撤销</translation>
    </message>
    <message>
        <location line="+245" />
        <source>Model output could not be read.</source>
        <translation>无法读取模型输出。</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&lt;p&gt;&lt;b&gt;Not judged:&lt;/b&gt; %1&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;未判定：&lt;/b&gt;%1&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+2" />
        <source>&lt;p&gt;Raw answer:&lt;/p&gt;&lt;p style="white-space: pre-wrap; font-family: monospace;"&gt;%1&lt;/p&gt;</source>
        <translation>&lt;p&gt;原始回答：&lt;/p&gt;&lt;p style="white-space: pre-wrap; font-family: monospace;"&gt;%1&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="-247" />
        <source>Reviewer note</source>
        <translation>审核备注</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Import warnings</source>
        <translation>导入警告</translation>
    </message>
    <message>
        <location line="+23" />
        <source>Stopping… %1/%2</source>
        <translation>正在停止… %1/%2</translation>
    </message>
    <message>
        <location line="+68" />
        <source>Paused · %1/%2</source>
        <translation>已暂停 · %1/%2</translation>
    </message>
    <message>
        <location line="+2" />
        <source>%1/%2</source>
        <translation>%1/%2</translation>
    </message>
    <message>
        <location line="+1" />
        <source> · %1 errors</source>
        <translation> · 错误 %1</translation>
    </message>
    <message>
        <location line="+2" />
        <source> · %1 items/min · ETA %2 s</source>
        <translation> · 每分钟 %1 项 · 预计剩余 %2 秒</translation>
    </message>
    <message>
        <location line="+105" />
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location line="+21" />
        <source>Nothing to review with this filter.</source>
        <translation>此筛选条件下没有需要审核的项目。</translation>
    </message>
    <message>
        <location line="+7" />
        <source>Cannot show %1</source>
        <translation>无法显示 %1</translation>
    </message>
    <message>
        <location line="+5" />
        <source>&lt;p&gt;&lt;i&gt;Duplicate of %1&lt;/i&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;i&gt;与 %1 重复&lt;/i&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+8" />
        <source>&lt;p&gt;&lt;b&gt;Model: %1&lt;/b&gt; (confidence %2)&lt;br&gt;Reasons: %3&lt;br&gt;Categories: %4&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;模型：%1&lt;/b&gt;（置信度 %2）&lt;br&gt;理由：%3&lt;br&gt;类别：%4&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+4" />
        <source>&lt;p&gt;&lt;i&gt;Not judged yet.&lt;/i&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;i&gt;尚未判定。&lt;/i&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <location line="+1" />
        <source>&lt;p&gt;Decision: &lt;b&gt;%1&lt;/b&gt; %2&lt;/p&gt;</source>
        <translation>&lt;p&gt;决定：&lt;b&gt;%1&lt;/b&gt; %2&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>sightline::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="+36" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+8" />
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <location line="-7" />
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location line="+4" />
        <source>GLM-4.6V-Flash folder</source>
        <translation>GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Automatic (GPU if present)</source>
        <translation>自动（有 GPU 时使用 GPU）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>GPU (CUDA)</source>
        <translation>GPU（CUDA）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Automatic (bfloat16 on GPU, float32 on CPU)</source>
        <translation>自动（GPU 上 bfloat16，CPU 上 float32）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location line="+10" />
        <source>0 = greedy (deterministic)</source>
        <translation>0 = 贪心（确定性）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location line="+4" />
        <source>0 = no limit</source>
        <translation>0 = 不限制</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Random</source>
        <translation>随机</translation>
    </message>
    <message>
        <location line="+2" />
        <source>The same seed, settings and question give the same answer. Empty: a new random seed for every answer.</source>
        <translation>相同的种子、设置和问题会得到相同的回答。留空：每次回答使用新的随机种子。</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+1" />
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location line="+3" />
        <source>Default system prompt</source>
        <translation>默认系统提示词</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Let the model think before answering</source>
        <translation>让模型先思考再回答</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Thinking</source>
        <translation>思考</translation>
    </message>
    <message>
        <location line="+3" />
        <source> kpx</source>
        <translation> 千像素</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+7" />
        <source>Model default</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <location line="-5" />
        <source>Upper bound on pixels per image (x2 frames) sent to the vision encoder</source>
        <translation>每张图片送入视觉编码器的像素上限（×2 帧）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Max image pixels</source>
        <translation>最大图片像素</translation>
    </message>
    <message>
        <location line="+3" />
        <source> Mpx</source>
        <translation> 百万像素</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Upper bound on the pixels of all sampled frames of a video together: lower it to make a long video cost fewer tokens</source>
        <translation>一个视频所有抽样帧合计的像素上限：调低它可让长视频占用更少的词元</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Max video pixels</source>
        <translation>最大视频像素</translation>
    </message>
    <message>
        <location line="+2" />
        <source>torchvision (as transformers and vLLM)</source>
        <translation>torchvision（与 transformers 和 vLLM 相同）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>PIL</source>
        <translation>PIL</translation>
    </message>
    <message>
        <location line="+3" />
        <source>How images are resized before the vision encoder: the two backends of the transformers image processor give pixels that differ by a few levels</source>
        <translation>图片在送入视觉编码器前的缩放方式：transformers 图像处理器的两种后端得到的像素值相差几个灰度级</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Image resize</source>
        <translation>图片缩放</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+8" />
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Language (after restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <location line="+3" />
        <location line="+6" />
        <source>Theme</source>
        <translation>主题</translation>
    </message>
    <message>
        <location line="-4" />
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location line="+4" />
        <source>Serve an OpenAI-compatible API (/v1/chat/completions) on 127.0.0.1 at this port. Its requests share the queue with the chat and the moderation queue.</source>
        <translation>在 127.0.0.1 的此端口上提供兼容 OpenAI 的 API（/v1/chat/completions）。其请求与对话和审核队列共用同一队列。</translation>
    </message>
    <message>
        <location line="+41" />
        <source>Backend</source>
        <translation>后端</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Local engine (this computer)</source>
        <translation>本地引擎（本机）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Remote server (OpenAI-compatible: vLLM, SGLang, sightline serve)</source>
        <translation>远程服务器（兼容 OpenAI：vLLM、SGLang、sightline serve）</translation>
    </message>
    <message>
        <location line="+2" />
        <source>Backend (after restart)</source>
        <translation>后端（重启后生效）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Remote server</source>
        <translation>远程服务器</translation>
    </message>
    <message>
        <location line="+5" />
        <source>Remote server URL</source>
        <translation>远程服务器 URL</translation>
    </message>
    <message>
        <location line="+1" />
        <source>URL (/v1 base)</source>
        <translation>URL（/v1 基址）</translation>
    </message>
    <message>
        <location line="+3" />
        <source>None, or $SIGHTLINE_REMOTE_API_KEY</source>
        <translation>无，或 $SIGHTLINE_REMOTE_API_KEY</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Remote API key</source>
        <translation>远程 API 密钥</translation>
    </message>
    <message>
        <location line="+3" />
        <source>The first model the server lists</source>
        <translation>服务器列出的第一个模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Remote model</source>
        <translation>远程模型</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Model</source>
        <translation>模型</translation>
    </message>
    <message>
        <location line="-63" />
        <location line="+4" />
        <source>Local API port</source>
        <translation>本地 API 端口</translation>
    </message>
    <message>
        <location line="+6" />
        <location line="+11" />
        <location line="+38" />
        <source>API key</source>
        <translation>API 密钥</translation>
    </message>
    <message>
        <location line="-48" />
        <source>Made when the API is turned on</source>
        <translation>在开启 API 时生成</translation>
    </message>
    <message>
        <location line="+1" />
        <location line="+12" />
        <source>Show</source>
        <translation>显示</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Hide</source>
        <translation>隐藏</translation>
    </message>
    <message>
        <location line="-10" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Replace the key at once: clients that still send the old one are refused</source>
        <translation>立即更换密钥：仍发送旧密钥的客户端将被拒绝</translation>
    </message>
    <message>
        <location line="+18" />
        <source>Keep a request log (personal data in prompts and answers masked)</source>
        <translation>保留请求日志（提示词和回答中的个人数据会被遮盖）</translation>
    </message>
    <message>
        <location line="+2" />
        <location line="+1" />
        <source>API request log</source>
        <translation>API 请求日志</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ShortcutsDialog</name>
    <message>
        <location filename="../ui/about_dialog.cpp" line="+27" />
        <source>Question › Send</source>
        <translation>问题 › 发送</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Ctrl+Enter</source>
        <translation>Ctrl+Enter</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Question › Next / previous control</source>
        <translation>问题 › 下一个 / 上一个控件</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Tab / Shift+Tab</source>
        <translation>Tab / Shift+Tab</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image viewer › Zoom in / out</source>
        <translation>图片查看器 › 放大 / 缩小</translation>
    </message>
    <message>
        <location line="+0" />
        <source>+ / − or the mouse wheel</source>
        <translation>+ / − 或鼠标滚轮</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image viewer › Fit / actual size</source>
        <translation>图片查看器 › 适应 / 实际大小</translation>
    </message>
    <message>
        <location line="+0" />
        <source>F / 1</source>
        <translation>F / 1</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image viewer › Next / previous image</source>
        <translation>图片查看器 › 下一张 / 上一张</translation>
    </message>
    <message>
        <location line="+0" />
        <source>→ / ←</source>
        <translation>→ / ←</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Image viewer › Close</source>
        <translation>图片查看器 › 关闭</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Esc</source>
        <translation>Esc</translation>
    </message>
    <message>
        <location line="+7" />
        <location line="+4" />
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Action</source>
        <translation>操作</translation>
    </message>
    <message>
        <location line="+0" />
        <source>Keys</source>
        <translation>按键</translation>
    </message>
</context>
<context>
    <name>ui</name>
    <message>
        <location filename="../app/gui/moderation_eval_view.cpp" line="-51" />
        <source>precision</source>
        <translation>精确率</translation>
    </message>
    <message>
        <location line="+0" />
        <source>recall</source>
        <translation>召回率</translation>
    </message>
    <message>
        <location line="+0" />
        <source>F1</source>
        <translation>F1</translation>
    </message>
    <message>
        <location line="+0" />
        <source>support</source>
        <translation>样本数</translation>
    </message>
    <message>
        <location line="+12" />
        <source>%1 labelled items · agreement %2 (%3/%1) · macro-F1 %4 · ECE %5</source>
        <translation>%1 个已标注项 · 一致率 %2（%3/%1）· 宏 F1 %4 · ECE %5</translation>
    </message>
    <message>
        <location line="+7" />
        <source>%1 labelled items have no verdict and count as wrong: %2 unreadable answers, %3 failed, %4 not judged yet or not in this queue.</source>
        <translation>%1 个已标注项没有判定，按错误计：%2 个回答无法读取，%3 个失败，%4 个尚未判定或不在此队列中。</translation>
    </message>
    <message>
        <location line="+6" />
        <source>Not judged: %1</source>
        <translation>未判定：%1</translation>
    </message>
    <message>
        <location line="+3" />
        <source>%1 items of the queue have no label and are not scored: %2</source>
        <translation>队列中 %1 项没有标签，不计分：%2</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Per label</source>
        <translation>按标签</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Per reject category (a reject's first category)</source>
        <translation>按拒绝类别（拒绝项的第一个类别）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>Confusion (rows: label, columns: model)</source>
        <translation>混淆矩阵（行：标签，列：模型）</translation>
    </message>
    <message>
        <location line="+8" />
        <source>Calibration of the verdict-token confidence (ECE %1; no verdict counts at 0)</source>
        <translation>判定词元置信度的校准（ECE %1；无判定按 0 计）</translation>
    </message>
    <message>
        <location line="+1" />
        <source>confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <location line="+0" />
        <source>items</source>
        <translation>项数</translation>
    </message>
    <message>
        <location line="+0" />
        <source>mean confidence</source>
        <translation>平均置信度</translation>
    </message>
    <message>
        <location line="+0" />
        <source>accuracy</source>
        <translation>准确率</translation>
    </message>
</context>
</TS>