<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MessageStats</name>
    <message>
        <location filename="../ui/chat_types.cpp" line="35" />
        <source>TTFT %1 ms · prefill %2 tok/s · decode %3 tok/s · %4+%5 tokens · %6 s · peak %7 %8 · %9</source>
        <translation>首字 %1 ms · 预填充 %2 词元/秒 · 解码 %3 词元/秒 · %4+%5 词元 · %6 秒 · 峰值%7 %8 · %9</translation>
    </message>
    <message>
        <location filename="../ui/chat_types.cpp" line="43" />
        <source>RAM</source>
        <translation>内存</translation>
    </message>
    <message>
        <location filename="../ui/chat_types.cpp" line="43" />
        <source>VRAM</source>
        <translation>显存</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../app/gui/main.cpp" line="79" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="79" />
        <source>Cannot open the chat database: %1</source>
        <translation>无法打开聊天数据库：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="93" />
        <source>Moderation</source>
        <translation>审核</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="103" />
        <source>Import queue</source>
        <translation>导入队列</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="103" />
        <source>Queues (*.csv *.jsonl)</source>
        <translation>队列 (*.csv *.jsonl)</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="107" />
        <source>Export results</source>
        <translation>导出结果</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="107" />
        <source>CSV (*.csv);;JSONL (*.jsonl)</source>
        <translation>CSV (*.csv);;JSONL (*.jsonl)</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="111" />
        <source>Moderation is unavailable: %1</source>
        <translation>审核功能不可用：%1</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="35" />
        <source>seconds</source>
        <translation>秒</translation>
    </message>
</context>
<context>
    <name>sightline::app::ApiHost</name>
    <message>
        <location filename="../app/gui/api_host.cpp" line="33" />
        <source>The local API could not start: %1</source>
        <translation>本地 API 无法启动：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/api_host.cpp" line="46" />
        <source>API: http://127.0.0.1:%1/v1</source>
        <translation>API：http://127.0.0.1:%1/v1</translation>
    </message>
    <message>
        <location filename="../app/gui/api_host.cpp" line="46" />
        <source>API: off</source>
        <translation>API：关闭</translation>
    </message>
</context>
<context>
    <name>sightline::app::EngineController</name>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="115" />
        <source>CPU run: process peak memory shown; no GPU utilisation</source>
        <translation>CPU 运行：显示进程峰值内存；无 GPU 利用率</translation>
    </message>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="123" />
        <source>%1×%2 px</source>
        <translation>%1×%2 像素</translation>
    </message>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="125" />
        <source>%1×%2 → %3×%4 px, %5 image tokens</source>
        <translation>%1×%2 → %3×%4 像素，%5 个图像词元</translation>
    </message>
</context>
<context>
    <name>sightline::app::EngineWorker</name>
    <message>
        <location filename="../app/gui/engine_worker.cpp" line="131" />
        <source>Load a model first.</source>
        <translation>请先加载模型。</translation>
    </message>
    <message>
        <location filename="../app/gui/engine_worker.cpp" line="146" />
        <source>%1 %2 / %3…</source>
        <translation>%1 %2 / %3…</translation>
    </message>
    <message>
        <location filename="../app/gui/engine_worker.cpp" line="151" />
        <source>Benchmark failed: %1</source>
        <translation>基准测试失败：%1</translation>
    </message>
</context>
<context>
    <name>sightline::app::ModerationController</name>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="60" />
        <source>%1 items · %2 judged · %3 errors · %4 decided · %5 items/h · agreement %6% · override rate %7% · median review %8 s</source>
        <translation>%1 项 · 已判定 %2 · 错误 %3 · 已决定 %4 · 每小时 %5 项 · 一致率 %6% · 推翻率 %7% · 审核中位时间 %8 秒</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="76" />
        <source>%1 new items</source>
        <translation>新增 %1 项</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="86" />
        <source>Load a model before running the queue.</source>
        <translation>运行队列前请先加载模型。</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="112" />
        <source>%1/%2 · %3 items/min · ETA %4 s</source>
        <translation>%1/%2 · 每分钟 %3 项 · 预计剩余 %4 秒</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="124" />
        <source>Cancelled; Run continues where it stopped</source>
        <translation>已取消；再次运行将从中断处继续</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="124" />
        <source>Queue done</source>
        <translation>队列完成</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="143" />
        <source>A policy needs instructions.</source>
        <translation>策略需要指令。</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="149" />
        <source>Policy %1 saved</source>
        <translation>策略 %1 已保存</translation>
    </message>
    <message>
        <location filename="../app/gui/moderation_controller.cpp" line="171" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ChatView</name>
    <message>
        <location filename="../ui/chat_view.cpp" line="15" />
        <source>Conversation</source>
        <translation>对话</translation>
    </message>
</context>
<context>
    <name>sightline::ui::Composer</name>
    <message>
        <location filename="../ui/composer.cpp" line="56" />
        <source>Image…</source>
        <translation>图片…</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="57" />
        <source>Attach images (or drop / paste them here)</source>
        <translation>添加图片（或拖放 / 粘贴到这里）</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="58" />
        <source>Attach image</source>
        <translation>添加图片</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="60" />
        <source>Ask about an image… (Ctrl+Enter to send; drop or paste images)</source>
        <translation>就图片提问…（Ctrl+Enter 发送；可拖放或粘贴图片）</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="61" />
        <source>Question</source>
        <translation>问题</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="64" />
        <location filename="../ui/composer.cpp" line="65" />
        <location filename="../ui/composer.cpp" line="80" />
        <source>Send</source>
        <translation>发送</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="80" />
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="124" />
        <source>%1 is not a local file</source>
        <translation>%1 不是本地文件</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="134" />
        <source>The pasted data is not an image Sightline can read</source>
        <translation>粘贴的内容不是 Sightline 能读取的图片</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="149" />
        <source>Cannot save the pasted image to %1</source>
        <translation>无法将粘贴的图片保存到 %1</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="159" />
        <source>Attach images</source>
        <translation>添加图片</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="160" />
        <source>Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;All files (*)</source>
        <translation>图片 (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;所有文件 (*)</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="194" />
        <source>Remove image</source>
        <translation>移除图片</translation>
    </message>
    <message>
        <location filename="../ui/composer.cpp" line="195" />
        <source>Remove image %1</source>
        <translation>移除图片 %1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MainWindow</name>
    <message>
        <location filename="../ui/main_window.cpp" line="32" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="38" />
        <location filename="../ui/main_window.cpp" line="39" />
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="41" />
        <source>Chat history</source>
        <translation>对话历史</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="65" />
        <location filename="../ui/main_window.cpp" line="399" />
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="70" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="103" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="104" />
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="106" />
        <source>Open model folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="107" />
        <source>GLM-4.6V-Flash folder</source>
        <translation>GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="113" />
        <source>Export chat as Markdown…</source>
        <translation>导出对话为 Markdown…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="114" />
        <location filename="../ui/main_window.cpp" line="118" />
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="114" />
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="117" />
        <source>Export chat as JSON…</source>
        <translation>导出对话为 JSON…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="118" />
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="122" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="123" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="124" />
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="126" />
        <source>Stop answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="129" />
        <source>Attach image…</source>
        <translation>添加图片…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="130" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="135" />
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="146" />
        <source>&lt;h2&gt;Ask about an image&lt;/h2&gt;&lt;p&gt;Drop, paste or attach an image, type a question, and press Ctrl+Enter.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;就图片提问&lt;/h2&gt;&lt;p&gt;拖放、粘贴或添加一张图片，输入问题，然后按 Ctrl+Enter。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="151" />
        <source>&lt;h2&gt;Welcome to Sightline&lt;/h2&gt;&lt;p&gt;Sightline answers questions about images with &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt;, running on your own GPU.&lt;/p&gt;&lt;p&gt;Download the checkpoint folder (about 21 GB) from Hugging Face (&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;) or ModelScope (ZhipuAI/GLM-4.6V-Flash), for example with &lt;code&gt;huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash&lt;/code&gt;, then choose that folder with &lt;i&gt;File → Open model folder…&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Your earlier chats stay browsable meanwhile.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;欢迎使用 Sightline&lt;/h2&gt;&lt;p&gt;Sightline 使用在您自己的 GPU 上运行的 &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt; 回答关于图片的问题。&lt;/p&gt;&lt;p&gt;请从 ModelScope（ZhipuAI/GLM-4.6V-Flash）或 Hugging Face（&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;）下载模型文件夹（约 21 GB），例如 &lt;code&gt;huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash&lt;/code&gt;，然后通过&lt;i&gt;文件 → 打开模型文件夹…&lt;/i&gt;选择该文件夹。&lt;/p&gt;&lt;p&gt;在此期间仍可浏览以前的对话。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="159" />
        <source>Choose the GLM-4.6V-Flash folder</source>
        <translation>选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="185" />
        <location filename="../ui/main_window.cpp" line="223" />
        <location filename="../ui/main_window.cpp" line="253" />
        <location filename="../ui/main_window.cpp" line="276" />
        <location filename="../ui/main_window.cpp" line="329" />
        <location filename="../ui/main_window.cpp" line="344" />
        <location filename="../ui/main_window.cpp" line="366" />
        <source>Could not save or read the chat history: %1</source>
        <translation>无法保存或读取对话历史：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="204" />
        <source>No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…</source>
        <translation>尚无模型：请通过“文件 → 打开模型文件夹…”选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="205" />
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="210" />
        <source>Image question</source>
        <translation>图片提问</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="311" />
        <source>Out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="312" />
        <source>Retry with a smaller image budget</source>
        <translation>以更小的图片预算重试</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="364" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="372" />
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="390" />
        <source>%1 on %2</source>
        <translation>%1，运行于 %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="399" />
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="400" />
        <source>Could not load the model: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="404" />
        <source>%1 · VRAM %2 / %3</source>
        <translation>%1 · 显存 %2 / %3</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="405" />
        <source>%1 · RAM %2</source>
        <translation>%1 · 内存 %2</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MessageWidget</name>
    <message>
        <location filename="../ui/message_widget.cpp" line="71" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="71" />
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="72" />
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="72" />
        <source>Copy the first code block</source>
        <translation>复制第一个代码块</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="73" />
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="73" />
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="74" />
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="74" />
        <source>Regenerate this answer</source>
        <translation>重新生成此回答</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="84" />
        <source>Show reasoning</source>
        <translation>显示推理过程</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="92" />
        <source>Message text</source>
        <translation>消息内容</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="123" />
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="123" />
        <source>GLM-4.6V</source>
        <translation>GLM-4.6V</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="130" />
        <source>Attached image %1</source>
        <translation>附加图片 %1</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="136" />
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="136" />
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="148" />
        <source>Stopped. </source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="149" />
        <source>Error: %1</source>
        <translation>错误：%1</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MonitorWidget</name>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="163" />
        <source>time to first token</source>
        <translation>首字时间</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="165" />
        <source>total latency</source>
        <translation>总延迟</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="167" />
        <source>decode tokens/s</source>
        <translation>解码 词元/秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="169" />
        <source>requests / minute</source>
        <translation>请求/分钟</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="171" />
        <source>allocated (engine)</source>
        <translation>已分配（引擎）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="173" />
        <source>reserved (allocator)</source>
        <translation>已预留（分配器）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="175" />
        <source>used on device (all processes)</source>
        <translation>设备已用（所有进程）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="177" />
        <source>device total</source>
        <translation>设备总量</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="179" />
        <source>GPU utilisation %</source>
        <translation>GPU 利用率 %</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="180" />
        <source>Latency per request</source>
        <translation>每个请求的延迟</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="180" />
        <source>ms</source>
        <translation>毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="181" />
        <source>Throughput</source>
        <translation>吞吐量</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="181" />
        <source>per second / minute</source>
        <translation>每秒 / 每分钟</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="182" />
        <source>Memory (GiB) and GPU utilisation (%/10)</source>
        <translation>内存（GiB）与 GPU 利用率（%/10）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="182" />
        <source>GiB</source>
        <translation>GiB</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="191" />
        <source>Scheduler: no model loaded</source>
        <translation>调度器：未加载模型</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="197" />
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="205" />
        <source>Recent requests</source>
        <translation>最近的请求</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="209" />
        <source>Live</source>
        <translation>实时</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="211" />
        <source>Export requests</source>
        <translation>导出请求</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="211" />
        <source>CSV (*.csv)</source>
        <translation>CSV (*.csv)</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="226" />
        <source>Describe this image in detail.</source>
        <translation>详细描述这张图片。</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="231" />
        <source>Image width (0: no image)</source>
        <translation>图片宽度（0：无图片）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="232" />
        <source>Image height</source>
        <translation>图片高度</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="233" />
        <source>Prompt</source>
        <translation>提示词</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="234" />
        <source>Tokens to generate</source>
        <translation>生成词元数</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="235" />
        <source>Warm-up runs</source>
        <translation>预热次数</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="236" />
        <source>Loops (-n)</source>
        <translation>循环次数 (-n)</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="237" />
        <source>Repeats (-r)</source>
        <translation>重复次数 (-r)</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="238" />
        <source>Run benchmark</source>
        <translation>运行基准测试</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="248" />
        <source>Benchmark</source>
        <translation>基准测试</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="251" />
        <source>Running…</source>
        <translation>运行中…</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="284" />
        <source>No requests yet</source>
        <translation>尚无请求</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="285" />
        <source>TTFT P50 %1 / P95 %2 / P99 %3 ms · total P50 %4 / P95 %5 / P99 %6 ms (last %7)</source>
        <translation>首字 P50 %1 / P95 %2 / P99 %3 毫秒 · 总计 P50 %4 / P95 %5 / P99 %6 毫秒（最近 %7 个）</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="310" />
        <source>Scheduler: %1 of %2 slots decoding · %3 waiting (chat %4, moderation %5, other %6) · mean batch %7 · %8 requests done</source>
        <translation>调度器：%2 个槽位中 %1 个正在解码 · %3 个等待（对话 %4，审核 %5，其他 %6）· 平均批大小 %7 · 已完成 %8 个请求</translation>
    </message>
</context>
<context>
    <name>sightline::ui::PolicyDialog</name>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="13" />
        <source>Moderation policy</source>
        <translation>审核策略</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="19" />
        <source>One rule per line, e.g. "prohibited_goods: weapons, drugs, counterfeits"</source>
        <translation>每行一条规则，例如 "prohibited_goods: 武器、毒品、假冒商品"</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="20" />
        <source>Name</source>
        <translation>名称</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="21" />
        <source>Instructions</source>
        <translation>指令</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="22" />
        <source>Rules (one per line)</source>
        <translation>规则（每行一条）</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="23" />
        <source>Current version</source>
        <translation>当前版本</translation>
    </message>
    <message>
        <location filename="../ui/policy_dialog.cpp" line="29" />
        <source>Saving makes a new policy version; verdicts already given keep the version they were made with.</source>
        <translation>保存会生成新的策略版本；已有判定保留其生成时的版本。</translation>
    </message>
</context>
<context>
    <name>sightline::ui::RequestTableModel</name>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="85" />
        <source>Time</source>
        <translation>时间</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="85" />
        <source>Id</source>
        <translation>编号</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="85" />
        <source>Source</source>
        <translation>来源</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="86" />
        <source>Image tok</source>
        <translation>图像词元</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="86" />
        <source>Prompt tok</source>
        <translation>提示词元</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="86" />
        <source>Output tok</source>
        <translation>输出词元</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="87" />
        <source>Preproc ms</source>
        <translation>预处理 毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="87" />
        <source>Vision ms</source>
        <translation>视觉 毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="87" />
        <source>Prefill ms</source>
        <translation>预填充 毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="88" />
        <source>TTFT ms</source>
        <translation>首字 毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="88" />
        <source>Total ms</source>
        <translation>总计 毫秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="88" />
        <source>Decode tok/s</source>
        <translation>解码 词元/秒</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="89" />
        <source>Peak memory</source>
        <translation>峰值内存</translation>
    </message>
    <message>
        <location filename="../ui/monitor_widget.cpp" line="89" />
        <source>Memory delta</source>
        <translation>内存增量</translation>
    </message>
</context>
<context>
    <name>sightline::ui::ReviewWidget</name>
    <message>
        <location filename="../ui/review_widget.cpp" line="28" />
        <source>Import queue…</source>
        <translation>导入队列…</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="29" />
        <source>Run model</source>
        <translation>运行模型</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="30" />
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="32" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="33" />
        <source>Export…</source>
        <translation>导出…</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="34" />
        <source>Policy…</source>
        <translation>策略…</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="48" />
        <source>All</source>
        <translation>全部</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="48" />
        <source>Awaiting decision</source>
        <translation>待决定</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="48" />
        <source>Disagreements</source>
        <translation>不一致</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="48" />
        <source>Errors</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="48" />
        <source>Low confidence</source>
        <translation>低置信度</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="50" />
        <source>Queue order</source>
        <translation>队列顺序</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="50" />
        <source>Lowest confidence first</source>
        <translation>置信度从低到高</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="52" />
        <source>Moderation queue</source>
        <translation>审核队列</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="61" />
        <source>Listing image</source>
        <translation>商品图片</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="69" />
        <source>Note (optional), then A approve · R reject · E escalate · N/P next/previous</source>
        <translation>备注（可选），然后按 A 通过 · R 拒绝 · E 升级 · N/P 下一项/上一项</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="70" />
        <source>Reviewer note</source>
        <translation>审核备注</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="167" />
        <source>error</source>
        <translation>错误</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="186" />
        <source>Nothing to review with this filter.</source>
        <translation>此筛选条件下没有需要审核的项目。</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="192" />
        <source>Cannot show %1</source>
        <translation>无法显示 %1</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="195" />
        <source>&lt;p&gt;&lt;i&gt;Duplicate of %1&lt;/i&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;i&gt;与 %1 重复&lt;/i&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="197" />
        <source>&lt;p&gt;&lt;b&gt;Model output could not be read.&lt;/b&gt; Raw answer:&lt;/p&gt;&lt;p style="white-space: pre-wrap; font-family: monospace;"&gt;%1&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;无法解析模型输出。&lt;/b&gt;原始回答：&lt;/p&gt;&lt;p style="white-space: pre-wrap; font-family: monospace;"&gt;%1&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="199" />
        <source>&lt;p&gt;&lt;b&gt;Model: %1&lt;/b&gt; (confidence %2)&lt;br&gt;Reasons: %3&lt;br&gt;Categories: %4&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;b&gt;模型：%1&lt;/b&gt;（置信度 %2）&lt;br&gt;理由：%3&lt;br&gt;类别：%4&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="202" />
        <source>&lt;p&gt;&lt;i&gt;Not judged yet.&lt;/i&gt;&lt;/p&gt;</source>
        <translation>&lt;p&gt;&lt;i&gt;尚未判定。&lt;/i&gt;&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/review_widget.cpp" line="203" />
        <source>&lt;p&gt;Decision: &lt;b&gt;%1&lt;/b&gt; %2&lt;/p&gt;</source>
        <translation>&lt;p&gt;决定：&lt;b&gt;%1&lt;/b&gt; %2&lt;/p&gt;</translation>
    </message>
</context>
<context>
    <name>sightline::ui::SettingsDialog</name>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="19" />
        <source>Settings</source>
        <translation>设置</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="23" />
        <location filename="../ui/settings_dialog.cpp" line="31" />
        <source>Model folder</source>
        <translation>模型文件夹</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="24" />
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="28" />
        <source>GLM-4.6V-Flash folder</source>
        <translation>GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="33" />
        <source>Automatic (GPU if present)</source>
        <translation>自动（有 GPU 时使用 GPU）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="34" />
        <source>GPU (CUDA)</source>
        <translation>GPU（CUDA）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="35" />
        <source>CPU</source>
        <translation>CPU</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="37" />
        <source>Device</source>
        <translation>设备</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="39" />
        <source>Automatic (bfloat16 on GPU, float32 on CPU)</source>
        <translation>自动（GPU 上 bfloat16，CPU 上 float32）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="42" />
        <source>Precision</source>
        <translation>精度</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="52" />
        <source>0 = greedy (deterministic)</source>
        <translation>0 = 贪心（确定性）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="53" />
        <source>Temperature</source>
        <translation>温度</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="55" />
        <source>Top-p</source>
        <translation>Top-p</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="59" />
        <source>0 = no limit</source>
        <translation>0 = 不限制</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="60" />
        <source>Top-k</source>
        <translation>Top-k</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="62" />
        <source>Repetition penalty</source>
        <translation>重复惩罚</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="66" />
        <source>Max new tokens</source>
        <translation>最大新词元数</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="69" />
        <source>Default system prompt</source>
        <translation>默认系统提示词</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="70" />
        <source>Let the model think before answering</source>
        <translation>让模型先思考再回答</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="72" />
        <source>Thinking</source>
        <translation>思考</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="75" />
        <source> kpx</source>
        <translation> 千像素</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="76" />
        <source>Model default</source>
        <translation>模型默认</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="78" />
        <source>Upper bound on pixels per image (x2 frames) sent to the vision encoder</source>
        <translation>每张图片送入视觉编码器的像素上限（×2 帧）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="79" />
        <source>Max image pixels</source>
        <translation>最大图片像素</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="81" />
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="85" />
        <source>Language (after restart)</source>
        <translation>语言（重启后生效）</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="88" />
        <source>Off</source>
        <translation>关闭</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="90" />
        <source>Serve an OpenAI-compatible API (/v1/chat/completions) on 127.0.0.1 at this port. Its requests share the queue with the chat and the moderation queue.</source>
        <translation>在 127.0.0.1 的此端口上提供兼容 OpenAI 的 API（/v1/chat/completions）。其请求与对话和审核队列共用同一队列。</translation>
    </message>
    <message>
        <location filename="../ui/settings_dialog.cpp" line="92" />
        <source>Local API port</source>
        <translation>本地 API 端口</translation>
    </message>
</context>
</TS>