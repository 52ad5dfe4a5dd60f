<?xml version='1.0' encoding='utf-8'?>
<TS version="2.1" language="zh_CN">
<context>
    <name>MessageStats</name>
    <message>
        <location filename="../ui/chat_types.cpp" line="34" />
        <source>TTFT %1 ms · prefill %2 tok/s · decode %3 tok/s · %4+%5 tokens · %6 s · peak %7 %8 · %9</source>
        <translation>首字 %1 ms · 预填充 %2 词元/秒 · 解码 %3 词元/秒 · %4+%5 词元 · %6 秒 · 峰值%7 %8 · %9</translation>
    </message>
    <message>
        <location filename="../ui/chat_types.cpp" line="42" />
        <source>RAM</source>
        <translation>内存</translation>
    </message>
    <message>
        <location filename="../ui/chat_types.cpp" line="42" />
        <source>VRAM</source>
        <translation>显存</translation>
    </message>
</context>
<context>
    <name>QObject</name>
    <message>
        <location filename="../app/gui/main.cpp" line="61" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location filename="../app/gui/main.cpp" line="61" />
        <source>Cannot open the chat database: %1</source>
        <translation>无法打开聊天数据库：%1</translation>
    </message>
</context>
<context>
    <name>sightline::app::EngineController</name>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="98" />
        <source>%1×%2 px</source>
        <translation>%1×%2 像素</translation>
    </message>
    <message>
        <location filename="../app/gui/engine_controller.cpp" line="100" />
        <source>%1×%2 → %3×%4 px, %5 image tokens</source>
        <translation>%1×%2 → %3×%4 像素，%5 个图像词元</translation>
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
        <location filename="../ui/main_window.cpp" line="31" />
        <source>Sightline</source>
        <translation>Sightline</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="37" />
        <location filename="../ui/main_window.cpp" line="38" />
        <source>New chat</source>
        <translation>新对话</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="40" />
        <source>Chat history</source>
        <translation>对话历史</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="62" />
        <location filename="../ui/main_window.cpp" line="390" />
        <source>No model loaded</source>
        <translation>未加载模型</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="67" />
        <source>Cancel</source>
        <translation>取消</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="100" />
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="101" />
        <source>&amp;New chat</source>
        <translation>新对话(&amp;N)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="103" />
        <source>Open model folder…</source>
        <translation>打开模型文件夹…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="104" />
        <source>GLM-4.6V-Flash folder</source>
        <translation>GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="110" />
        <source>Export chat as Markdown…</source>
        <translation>导出对话为 Markdown…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="111" />
        <location filename="../ui/main_window.cpp" line="115" />
        <source>Export chat</source>
        <translation>导出对话</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="111" />
        <source>Markdown (*.md)</source>
        <translation>Markdown (*.md)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="114" />
        <source>Export chat as JSON…</source>
        <translation>导出对话为 JSON…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="115" />
        <source>JSON (*.json)</source>
        <translation>JSON (*.json)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="119" />
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="120" />
        <source>&amp;Edit</source>
        <translation>编辑(&amp;E)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="121" />
        <source>&amp;Settings…</source>
        <translation>设置(&amp;S)…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="123" />
        <source>Stop answer</source>
        <translation>停止回答</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="126" />
        <source>Attach image…</source>
        <translation>添加图片…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="127" />
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="132" />
        <source>Performance</source>
        <translation>性能</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="142" />
        <source>&lt;h2&gt;Ask about an image&lt;/h2&gt;&lt;p&gt;Drop, paste or attach an image, type a question, and press Ctrl+Enter.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;就图片提问&lt;/h2&gt;&lt;p&gt;拖放、粘贴或添加一张图片，输入问题，然后按 Ctrl+Enter。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="147" />
        <source>&lt;h2&gt;Welcome to Sightline&lt;/h2&gt;&lt;p&gt;Sightline answers questions about images with &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt;, running on your own GPU.&lt;/p&gt;&lt;p&gt;Download the checkpoint folder (about 21 GB) from Hugging Face (&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;) or ModelScope (ZhipuAI/GLM-4.6V-Flash), for example with &lt;code&gt;huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash&lt;/code&gt;, then choose that folder with &lt;i&gt;File → Open model folder…&lt;/i&gt;.&lt;/p&gt;&lt;p&gt;Your earlier chats stay browsable meanwhile.&lt;/p&gt;</source>
        <translation>&lt;h2&gt;欢迎使用 Sightline&lt;/h2&gt;&lt;p&gt;Sightline 使用在您自己的 GPU 上运行的 &lt;b&gt;GLM-4.6V-Flash&lt;/b&gt; 回答关于图片的问题。&lt;/p&gt;&lt;p&gt;请从 ModelScope（ZhipuAI/GLM-4.6V-Flash）或 Hugging Face（&lt;a href="https://huggingface.co/zai-org/GLM-4.6V-Flash"&gt;zai-org/GLM-4.6V-Flash&lt;/a&gt;）下载模型文件夹（约 21 GB），例如 &lt;code&gt;huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash&lt;/code&gt;，然后通过&lt;i&gt;文件 → 打开模型文件夹…&lt;/i&gt;选择该文件夹。&lt;/p&gt;&lt;p&gt;在此期间仍可浏览以前的对话。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="155" />
        <source>Choose the GLM-4.6V-Flash folder</source>
        <translation>选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="181" />
        <location filename="../ui/main_window.cpp" line="219" />
        <location filename="../ui/main_window.cpp" line="249" />
        <location filename="../ui/main_window.cpp" line="272" />
        <location filename="../ui/main_window.cpp" line="320" />
        <location filename="../ui/main_window.cpp" line="335" />
        <location filename="../ui/main_window.cpp" line="357" />
        <source>Could not save or read the chat history: %1</source>
        <translation>无法保存或读取对话历史：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="200" />
        <source>No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…</source>
        <translation>尚无模型：请通过“文件 → 打开模型文件夹…”选择 GLM-4.6V-Flash 文件夹</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="201" />
        <source>The model is not loaded yet.</source>
        <translation>模型尚未加载。</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="206" />
        <source>Image question</source>
        <translation>图片提问</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="302" />
        <source>Out of memory</source>
        <translation>内存不足</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="303" />
        <source>Retry with a smaller image budget</source>
        <translation>以更小的图片预算重试</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="355" />
        <source>Cannot write %1</source>
        <translation>无法写入 %1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="363" />
        <source>Loading %1…</source>
        <translation>正在加载 %1…</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="381" />
        <source>%1 on %2</source>
        <translation>%1，运行于 %2</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="390" />
        <source>Loading cancelled</source>
        <translation>已取消加载</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="391" />
        <source>Could not load the model: %1</source>
        <translation>无法加载模型：%1</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="395" />
        <source>%1 · VRAM %2 / %3</source>
        <translation>%1 · 显存 %2 / %3</translation>
    </message>
    <message>
        <location filename="../ui/main_window.cpp" line="396" />
        <source>%1 · RAM %2</source>
        <translation>%1 · 内存 %2</translation>
    </message>
</context>
<context>
    <name>sightline::ui::MessageWidget</name>
    <message>
        <location filename="../ui/message_widget.cpp" line="59" />
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="59" />
        <source>Copy message</source>
        <translation>复制消息</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="60" />
        <source>Copy code</source>
        <translation>复制代码</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="60" />
        <source>Copy the first code block</source>
        <translation>复制第一个代码块</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="61" />
        <source>Edit</source>
        <translation>编辑</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="61" />
        <source>Edit and resend</source>
        <translation>编辑并重新发送</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="62" />
        <source>Regenerate</source>
        <translation>重新生成</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="62" />
        <source>Regenerate this answer</source>
        <translation>重新生成此回答</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="72" />
        <source>Show reasoning</source>
        <translation>显示推理过程</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="80" />
        <source>Message text</source>
        <translation>消息内容</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="111" />
        <source>You</source>
        <translation>你</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="111" />
        <source>GLM-4.6V</source>
        <translation>GLM-4.6V</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="118" />
        <source>Attached image %1</source>
        <translation>附加图片 %1</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="124" />
        <source>Thinking…</source>
        <translation>思考中…</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="124" />
        <source>Reasoning</source>
        <translation>推理过程</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="134" />
        <source>Stopped. </source>
        <translation>已停止。</translation>
    </message>
    <message>
        <location filename="../ui/message_widget.cpp" line="135" />
        <source>Error: %1</source>
        <translation>错误：%1</translation>
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
</context>
</TS>