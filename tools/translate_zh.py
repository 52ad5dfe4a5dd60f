#!/usr/bin/env python3
"""Fills translations/sightline_zh_CN.ts from the table below (run after lupdate)."""
import sys
import xml.etree.ElementTree as ET

ZH = {
    'TTFT %1 ms · prefill %2 tok/s · decode %3 tok/s · %4+%5 tokens · %6 s · peak %7 %8 · %9':
        '首字 %1 ms · 预填充 %2 词元/秒 · 解码 %3 词元/秒 · %4+%5 词元 · %6 秒 · 峰值%7 %8 · %9',
    'RAM': '内存', 'VRAM': '显存', 'Sightline': 'Sightline',
    'Cannot open the chat database: %1': '无法打开聊天数据库：%1',
    '%1×%2 px': '%1×%2 像素', '%1×%2 → %3×%4 px, %5 image tokens': '%1×%2 → %3×%4 像素，%5 个图像词元',
    'Conversation': '对话', 'Image…': '图片…', 'Attach images (or drop / paste them here)': '添加图片（或拖放 / 粘贴到这里）',
    'Attach image': '添加图片', 'Ask about an image… (Ctrl+Enter to send; drop or paste images)': '就图片提问…（Ctrl+Enter 发送；可拖放或粘贴图片）',
    'Question': '问题', 'Send': '发送', 'Stop': '停止', '%1 is not a local file': '%1 不是本地文件',
    'The pasted data is not an image Sightline can read': '粘贴的内容不是 Sightline 能读取的图片',
    'Cannot save the pasted image to %1': '无法将粘贴的图片保存到 %1', 'Attach images': '添加图片',
    'Images (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;All files (*)': '图片 (*.png *.jpg *.jpeg *.webp *.bmp *.gif);;所有文件 (*)',
    'Remove image': '移除图片', 'Remove image %1': '移除图片 %1', 'New chat': '新对话', 'Chat history': '对话历史',
    'No model loaded': '未加载模型', 'Cancel': '取消', '&File': '文件(&F)', '&New chat': '新对话(&N)',
    'Open model folder…': '打开模型文件夹…', 'GLM-4.6V-Flash folder': 'GLM-4.6V-Flash 文件夹',
    'Export chat as Markdown…': '导出对话为 Markdown…', 'Export chat': '导出对话', 'Markdown (*.md)': 'Markdown (*.md)',
    'Export chat as JSON…': '导出对话为 JSON…', 'JSON (*.json)': 'JSON (*.json)', '&Quit': '退出(&Q)', '&Edit': '编辑(&E)',
    '&Settings…': '设置(&S)…', 'Stop answer': '停止回答', 'Attach image…': '添加图片…', '&View': '视图(&V)', 'Performance': '性能',
    '<h2>Ask about an image</h2><p>Drop, paste or attach an image, type a question, and press Ctrl+Enter.</p>':
        '<h2>就图片提问</h2><p>拖放、粘贴或添加一张图片，输入问题，然后按 Ctrl+Enter。</p>',
    '<h2>Welcome to Sightline</h2><p>Sightline answers questions about images with <b>GLM-4.6V-Flash</b>, running on your own GPU.</p><p>Download the checkpoint folder (about 21 GB) from Hugging Face (<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>) or ModelScope (ZhipuAI/GLM-4.6V-Flash), for example with <code>huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash</code>, then choose that folder with <i>File → Open model folder…</i>.</p><p>Your earlier chats stay browsable meanwhile.</p>':
        '<h2>欢迎使用 Sightline</h2><p>Sightline 使用在您自己的 GPU 上运行的 <b>GLM-4.6V-Flash</b> 回答关于图片的问题。</p><p>请从 ModelScope（ZhipuAI/GLM-4.6V-Flash）或 Hugging Face（<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>）下载模型文件夹（约 21 GB），例如 <code>huggingface-cli download zai-org/GLM-4.6V-Flash --local-dir ~/models/GLM-4.6V-Flash</code>，然后通过<i>文件 → 打开模型文件夹…</i>选择该文件夹。</p><p>在此期间仍可浏览以前的对话。</p>',
    'Choose the GLM-4.6V-Flash folder': '选择 GLM-4.6V-Flash 文件夹', 'Could not save or read the chat history: %1': '无法保存或读取对话历史：%1',
    'No model yet: choose the GLM-4.6V-Flash folder with File → Open model folder…': '尚无模型：请通过“文件 → 打开模型文件夹…”选择 GLM-4.6V-Flash 文件夹',
    'The model is not loaded yet.': '模型尚未加载。', 'Image question': '图片提问', 'Out of memory': '内存不足',
    'Retry with a smaller image budget': '以更小的图片预算重试', 'Cannot write %1': '无法写入 %1', 'Loading %1…': '正在加载 %1…',
    '%1 on %2': '%1，运行于 %2', 'Loading cancelled': '已取消加载', 'Could not load the model: %1': '无法加载模型：%1',
    '%1 · VRAM %2 / %3': '%1 · 显存 %2 / %3', '%1 · RAM %2': '%1 · 内存 %2', 'Copy': '复制', 'Copy message': '复制消息',
    'Copy code': '复制代码', 'Copy the first code block': '复制第一个代码块', 'Edit': '编辑', 'Edit and resend': '编辑并重新发送',
    'Regenerate': '重新生成', 'Regenerate this answer': '重新生成此回答', 'Show reasoning': '显示推理过程', 'Message text': '消息内容',
    'You': '你', 'GLM-4.6V': 'GLM-4.6V', 'Attached image %1': '附加图片 %1', 'Thinking…': '思考中…', 'Reasoning': '推理过程',
    'Stopped. ': '已停止。', 'Error: %1': '错误：%1', 'Settings': '设置', 'Model folder': '模型文件夹', 'Browse…': '浏览…',
    'Automatic (GPU if present)': '自动（有 GPU 时使用 GPU）', 'GPU (CUDA)': 'GPU（CUDA）', 'CPU': 'CPU', 'Device': '设备',
    'Automatic (bfloat16 on GPU, float32 on CPU)': '自动（GPU 上 bfloat16，CPU 上 float32）', 'Precision': '精度',
    '0 = greedy (deterministic)': '0 = 贪心（确定性）', 'Temperature': '温度', 'Top-p': 'Top-p', '0 = no limit': '0 = 不限制', 'Top-k': 'Top-k',
    'Repetition penalty': '重复惩罚', 'Max new tokens': '最大新词元数', 'Default system prompt': '默认系统提示词',
    'Let the model think before answering': '让模型先思考再回答', 'Thinking': '思考', ' kpx': ' 千像素', 'Model default': '模型默认',
    'Upper bound on pixels per image (x2 frames) sent to the vision encoder': '每张图片送入视觉编码器的像素上限（×2 帧）',
    'Max image pixels': '最大图片像素', 'System': '跟随系统', 'Language (after restart)': '语言（重启后生效）',
}
# Chat versions, chat list, failed answers, review station (second round of new strings).
ZH.update({'Moderation': '审核',
 'Import queue': '导入队列',
 'Queues (*.csv *.jsonl)': '队列 (*.csv *.jsonl)',
 'Export results': '导出结果',
 'CSV (*.csv);;JSONL (*.jsonl)': 'CSV (*.csv);;JSONL (*.jsonl)',
 'Moderation is unavailable: %1': '审核功能不可用：%1',
 'seconds': '秒',
 'CPU run: process peak memory shown; no GPU utilisation': 'CPU 运行：显示进程峰值内存；无 GPU 利用率',
 'Load a model first.': '请先加载模型。',
 '%1 %2 / %3…': '%1 %2 / %3…',
 'Benchmark failed: %1': '基准测试失败：%1',
 '%1 items · %2 judged · %3 errors · %4 decided · %5 items/h · agreement %6% · override rate %7% · median review %8 s': '%1 '
                                                                                                                        '项 '
                                                                                                                        '· '
                                                                                                                        '已判定 '
                                                                                                                        '%2 '
                                                                                                                        '· '
                                                                                                                        '错误 '
                                                                                                                        '%3 '
                                                                                                                        '· '
                                                                                                                        '已决定 '
                                                                                                                        '%4 '
                                                                                                                        '· '
                                                                                                                        '每小时 '
                                                                                                                        '%5 '
                                                                                                                        '项 '
                                                                                                                        '· '
                                                                                                                        '一致率 '
                                                                                                                        '%6% '
                                                                                                                        '· '
                                                                                                                        '推翻率 '
                                                                                                                        '%7% '
                                                                                                                        '· '
                                                                                                                        '审核中位时间 '
                                                                                                                        '%8 '
                                                                                                                        '秒',
 '%1 new items': '新增 %1 项',
 'Load a model before running the queue.': '运行队列前请先加载模型。',
 '%1/%2 · %3 items/min · ETA %4 s': '%1/%2 · 每分钟 %3 项 · 预计剩余 %4 秒',
 'Cancelled; Run continues where it stopped': '已取消；再次运行将从中断处继续',
 'Queue done': '队列完成',
 'time to first token': '首字时间',
 'total latency': '总延迟',
 'decode tokens/s': '解码 词元/秒',
 'requests / minute': '请求/分钟',
 'allocated (engine)': '已分配（引擎）',
 'reserved (allocator)': '已预留（分配器）',
 'used on device (all processes)': '设备已用（所有进程）',
 'device total': '设备总量',
 'GPU utilisation %': 'GPU 利用率 %',
 'Latency per request': '每个请求的延迟',
 'ms': '毫秒',
 'Throughput': '吞吐量',
 'per second / minute': '每秒 / 每分钟',
 'Memory (GiB) and GPU utilisation (%/10)': '内存（GiB）与 GPU 利用率（%/10）',
 'GiB': 'GiB',
 'Export CSV…': '导出 CSV…',
 'Recent requests': '最近的请求',
 'Live': '实时',
 'Export requests': '导出请求',
 'CSV (*.csv)': 'CSV (*.csv)',
 'Describe this image in detail.': '详细描述这张图片。',
 'Image width (0: no image)': '图片宽度（0：无图片）',
 'Image height': '图片高度',
 'Prompt': '提示词',
 'Tokens to generate': '生成词元数',
 'Warm-up runs': '预热次数',
 'Loops (-n)': '循环次数 (-n)',
 'Repeats (-r)': '重复次数 (-r)',
 'Run benchmark': '运行基准测试',
 'Benchmark': '基准测试',
 'Running…': '运行中…',
 'No requests yet': '尚无请求',
 'TTFT P50 %1 / P95 %2 / P99 %3 ms · total P50 %4 / P95 %5 / P99 %6 ms (last %7)': '首字 P50 %1 / P95 %2 / P99 %3 毫秒 · '
                                                                                   '总计 P50 %4 / P95 %5 / P99 %6 '
                                                                                   '毫秒（最近 %7 个）',
 'Time': '时间',
 'Id': '编号',
 'Source': '来源',
 'Image tok': '图像词元',
 'Prompt tok': '提示词元',
 'Output tok': '输出词元',
 'Preproc ms': '预处理 毫秒',
 'Vision ms': '视觉 毫秒',
 'Prefill ms': '预填充 毫秒',
 'TTFT ms': '首字 毫秒',
 'Total ms': '总计 毫秒',
 'Decode tok/s': '解码 词元/秒',
 'Peak memory': '峰值内存',
 'Memory delta': '内存增量',
 'Import queue…': '导入队列…',
 'Run model': '运行模型',
 'Pause': '暂停',
 'Export…': '导出…',
 'All': '全部',
 'Awaiting decision': '待决定',
 'Disagreements': '不一致',
 'Errors': '错误',
 'Low confidence': '低置信度',
 'Queue order': '队列顺序',
 'Lowest confidence first': '置信度从低到高',
 'Moderation queue': '审核队列',
 'Listing image': '商品图片',
 'Note (optional), then A approve · R reject · E escalate · N/P next/previous': '备注（可选），然后按 A 通过 · R 拒绝 · E 升级 · N/P '
                                                                                '下一项/上一项',
 'Reviewer note': '审核备注',
 'error': '错误',
 'Nothing to review with this filter.': '此筛选条件下没有需要审核的项目。',
 'Cannot show %1': '无法显示 %1',
 '<p><i>Duplicate of %1</i></p>': '<p><i>与 %1 重复</i></p>',
 '<p><b>Model output could not be read.</b> Raw answer:</p><p style="white-space: pre-wrap; font-family: monospace;">%1</p>': '<p><b>无法解析模型输出。</b>原始回答：</p><p '
                                                                                                                              'style="white-space: '
                                                                                                                              'pre-wrap; '
                                                                                                                              'font-family: '
                                                                                                                              'monospace;">%1</p>',
 '<p><b>Model: %1</b> (confidence %2)<br>Reasons: %3<br>Categories: %4</p>': '<p><b>模型：%1</b>（置信度 '
                                                                             '%2）<br>理由：%3<br>类别：%4</p>',
 '<p><i>Not judged yet.</i></p>': '<p><i>尚未判定。</i></p>',
 '<p>Decision: <b>%1</b> %2</p>': '<p>决定：<b>%1</b> %2</p>'})
ZH.update({'Policy…': '策略…', 'Moderation policy': '审核策略', 'One rule per line, e.g. "prohibited_goods: weapons, drugs, counterfeits"': '每行一条规则，例如 "prohibited_goods: 武器、毒品、假冒商品"', 'Name': '名称', 'Instructions': '指令', 'Rules (one per line)': '规则（每行一条）', 'Current version': '当前版本', 'Saving makes a new policy version; verdicts already given keep the version they were made with.': '保存会生成新的策略版本；已有判定保留其生成时的版本。', 'A policy needs instructions.': '策略需要指令。', 'Policy %1 saved': '策略 %1 已保存'})

ZH.update({'The local API could not start: %1': '本地 API 无法启动：%1', 'API: http://127.0.0.1:%1/v1': 'API：http://127.0.0.1:%1/v1',
           'API: off': 'API：关闭', 'Scheduler: no model loaded': '调度器：未加载模型',
           'Scheduler: %1 of %2 slots decoding · %3 waiting (chat %4, moderation %5, other %6) · mean batch %7 · %8 requests done':
               '调度器：%2 个槽位中 %1 个正在解码 · %3 个等待（对话 %4，审核 %5，其他 %6）· 平均批大小 %7 · 已完成 %8 个请求',
           'Off': '关闭',
           'Serve an OpenAI-compatible API (/v1/chat/completions) on 127.0.0.1 at this port. Its requests share the queue with the chat and the moderation queue.':
               '在 127.0.0.1 的此端口上提供兼容 OpenAI 的 API（/v1/chat/completions）。其请求与对话和审核队列共用同一队列。',
           'Local API port': '本地 API 端口'})


# Issue #10: attachments, drops, viewer, banner, themes, seed, About / shortcuts, recent models, monitor axes.
ZH.update({'%1 is a folder, not an image': '%1 是文件夹，不是图片', '%1 is not an image Sightline can read': '%1 不是 Sightline 能读取的图片',
           '%1 of %2 · ': '第 %1 / %2 张 · ', '%1 · %2×%3 px': '%1 · %2×%3 像素', '&About Sightline': '关于 Sightline(&A)', '&Help': '帮助(&H)',
           '&Keyboard shortcuts': '键盘快捷键(&K)', '&Open model folder…': '打开模型文件夹(&O)…', '&Paste into the question': '粘贴到问题中(&P)',
           '&Recent models': '最近的模型(&R)', '+ / − or the mouse wheel': '+ / − 或鼠标滚轮',
           '<h2>Sightline %1</h2><p>Local visual question answering with GLM-4.6V-Flash.<br>Your images and chats stay on this computer.</p>':
               '<h2>Sightline %1</h2><p>使用 GLM-4.6V-Flash 在本地进行图像问答。<br>您的图片和对话都保留在这台电脑上。</p>',
           'About Sightline': '关于 Sightline', 'Action': '操作', 'Actual size (1)': '实际大小 (1)', 'Cannot read %1': '无法读取 %1',
           'Clear list': '清空列表', 'Click to view': '点击查看', 'Copied to the clipboard': '已复制到剪贴板', 'Copied ✓': '已复制 ✓',
           'Copy versions': '复制版本信息', 'Ctrl+Enter': 'Ctrl+Enter', 'Dark': '深色',
           'Could not load the model: %1\nChoose the GLM-4.6V-Flash checkpoint folder (with config.json and *.safetensors), or check the device in Settings.':
               '无法加载模型：%1\n请选择 GLM-4.6V-Flash 模型文件夹（包含 config.json 和 *.safetensors），或在设置中检查设备。',
           'Decode speed of each request (tokens/s, left) and requests in the last minute (right)': '每个请求的解码速度（词元/秒，左轴）和最近一分钟的请求数（右轴）',
           'Dismiss': '关闭', 'Dismiss notice': '关闭提示', 'Drop images to attach them to your question': '拖放图片即可添加到问题中', 'Error': '错误',
           'Esc': 'Esc', 'F / 1': 'F / 1', 'Fit': '适应', 'Fit to the window (F)': '适应窗口 (F)', 'GPU %': 'GPU %', 'Image': '图片',
           'Image %1': '图片 %1', 'Image being read': '正在读取的图片', 'Image viewer › Close': '图片查看器 › 关闭',
           'Image viewer › Fit / actual size': '图片查看器 › 适应 / 实际大小', 'Image viewer › Next / previous image': '图片查看器 › 下一张 / 上一张',
           'Image viewer › Zoom in / out': '图片查看器 › 放大 / 缩小', 'Information': '信息', 'Keyboard shortcuts': '键盘快捷键', 'Keys': '按键',
           'Light': '浅色',
           'Memory allocated by the engine, reserved by the allocator, used on the device by all processes and the device total (GiB, left); GPU utilisation (%, right)':
               '引擎已分配、分配器已预留、设备上所有进程已用的内存及设备总量（GiB，左轴）；GPU 利用率（%，右轴）',
           'Memory and GPU utilisation': '内存与 GPU 利用率', 'Next chat': '下一个对话', 'Next image (→)': '下一张 (→)', 'No recent models': '没有最近的模型',
           'Notice': '提示', 'Previous chat': '上一个对话', 'Previous image (←)': '上一张 (←)', 'Question › Next / previous control': '问题 › 下一个 / 上一个控件',
           'Question › Send': '问题 › 发送', 'Random': '随机', 'Reading %1…': '正在读取 %1…',
           'Reading…': '读取中…', 'Remove %1': '移除%1', 'Seed': '随机种子', 'Sightline: %1': 'Sightline：%1', 'TTFT': '首字', 'Tab / Shift+Tab': 'Tab / Shift+Tab',
           'The same seed, settings and question give the same answer. Empty: a new random seed for every answer.':
               '相同的种子、设置和问题会得到相同的回答。留空：每次回答使用新的随机种子。',
           'Theme': '主题', 'Time to first token and total latency of each request (ms)': '每个请求的首字时间和总延迟（毫秒）', 'Versions': '版本',
           'Zoom in (+)': '放大 (+)', 'Zoom out (-)': '缩小 (-)', 'alloc': '已分配', 'decode tok/s': '解码 词元/秒', 'none': '无', 'requests/min': '请求/分钟',
           'reserved': '已预留', 'tokens/s': '词元/秒', 'total': '总计', 'capacity': '容量', 'used': '已用', '→ / ←': '→ / ←',
           'Sightline: %1\nQt: %2': 'Sightline：%1\nQt：%2',
           'Sightline: %1\nQt: %2 (built with %3)\nlibtorch: %4\nCUDA runtime: %5\nCUDA driver: %6\nNVIDIA driver: %7\nGPU: %8':
               'Sightline：%1\nQt：%2（编译时 %3）\nlibtorch：%4\nCUDA 运行时：%5\nCUDA 驱动：%6\nNVIDIA 驱动：%7\nGPU：%8'})

ZH.update({' · cut off at the token limit (raise “Max new tokens” in Settings)': ' · 已达到词元上限而截断（可在设置中提高“最大新词元数”）', 'Cannot read %1: %2': '无法读取 %1：%2', 'Cannot copy %1 into %2: %3': '无法将 %1 复制到 %2：%3', 'The moderation run stopped on an unknown error.': '审核运行因未知错误而停止。', 'Queue done · %1 judged · %2 errors': '队列完成 · 已判定 %1 · 错误 %2', 'New chat (Ctrl+N); the draft of this chat is kept': '新对话 (Ctrl+N)；本对话的草稿会保留', 'Chat settings…': '对话设置…', "This chat's system prompt": '本对话的系统提示词', 'Chat settings': '对话设置', 'Search chats': '搜索对话', 'Today': '今天', 'Yesterday': '昨天', 'Could not read the chat list: %1': '无法读取对话列表：%1', 'No chat matches “%1”.': '没有与“%1”匹配的对话。', 'Rename…': '重命名…', 'Delete…': '删除…', 'Delete chat': '删除对话', 'Delete “%1” with all its messages, versions and images? This cannot be undone.': '删除“%1”及其全部消息、版本和图片？此操作无法撤销。', 'Rename chat': '重命名对话', 'Title:': '标题：', 'System prompt for this chat (sent before every turn; empty: none):': '本对话的系统提示词（每轮之前发送；留空：不使用）：', 'Could not read the chat: %1': '无法读取对话：%1', 'Could not save the chat (%1): %2. Nothing of this change was saved.': '无法保存对话（%1）：%2。此次更改均未保存。', 'Could not clean up image copies: %1': '无法清理图片副本：%1', 'Cancel edit': '取消编辑', 'Could not read the chat history: %1': '无法读取对话历史：%1', 'Could not keep a copy of the image: %1': '无法保存图片副本：%1', 'Editing “%1”: Send adds your text as a new version of it. The answers after it stay with the old version (switch back with ‹ ›).': '正在编辑“%1”：发送后，您的文字将作为它的新版本。之后的回答保留在旧版本中（可用 ‹ › 切换回去）。', 'Previous version': '上一个版本', 'Next version': '下一个版本', '%1/%2': '%1/%2', 'Version %1 of %2': '第 %1 版，共 %2 版', 'Reasoning (unfinished)': '推理过程（未完成）', 'Stopped while thinking, before any answer. ': '在思考时停止，尚未给出回答。', 'Interrupted: Sightline closed while this answer was being written; what had arrived is kept. Regenerate for a full answer.': '已中断：写入此回答时 Sightline 被关闭；已收到的内容已保留。重新生成可得到完整回答。', 'The answer failed part-way': '回答中途失败', 'The answer failed before it started': '回答在开始前失败', 'Lower “Max image pixels” in Settings or close other programs using the GPU, then press Retry.': '请在设置中降低“最大图片像素”，或关闭其他占用 GPU 的程序，然后按“重试”。', 'Check the images and the model in Settings, then press Retry.': '请检查图片和设置中的模型，然后按“重试”。', 'Retry': '重试', 'Try this answer again': '再次尝试此回答', 'Regenerate this answer (the old one stays as a version)': '重新生成此回答（旧回答保留为一个版本）', 'Undo decision': '撤销决定', 'Take back the last decision made here (Ctrl+Z)': '撤回在此做出的上一个决定 (Ctrl+Z)', 'Note (optional), then A approve · R reject · E escalate · N/P next/previous · Ctrl+Z undo': '备注（可选），然后 A 通过 · R 拒绝 · E 上报 · N/P 下一个/上一个 · Ctrl+Z 撤销', 'Model output could not be read.': '无法读取模型输出。', '<p><b>Not judged:</b> %1</p>': '<p><b>未判定：</b>%1</p>', '<p>Raw answer:</p><p style="white-space: pre-wrap; font-family: monospace;">%1</p>': '<p>原始回答：</p><p style="white-space: pre-wrap; font-family: monospace;">%1</p>', 'Import warnings': '导入警告', 'Stopping… %1/%2': '正在停止… %1/%2', 'Paused · %1/%2': '已暂停 · %1/%2', ' · %1 errors': ' · 错误 %1', ' · %1 items/min · ETA %2 s': ' · 每分钟 %1 项 · 预计剩余 %2 秒'})


# Models dialog, image resize, backend, API key, evaluation (2 December 2026).
ZH.update({'The remote server cannot be used (%1): the local engine answers instead.': '无法使用远程服务器（%1）：改由本地引擎回答。', '%1: %2 parameters (%3), %4 tensors, %5 on disk\n': '%1：%2 参数（%3），%4 个张量，磁盘占用 %5\n', 'Every tensor config.json implies is there, with its shape.\n': 'config.json 所要求的每个张量都存在，且形状正确。\n', 'Problem: %1\n': '问题：%1\n', 'Memory on %1 in %2 (context %3 × %4 slots, the image budget of the settings):\n': '%1 上的内存，%2（上下文 %3 × %4 个槽位，设置中的图片预算）：\n', '  weights %1, KV cache %2, vision %3, prefill %4, runtime %5; while loading %6\n': '  权重 %1，KV 缓存 %2，视觉 %3，预填充 %4，运行时 %5；加载期间 %6\n', '  total %1, free %2: %3\n': '  总计 %1，可用 %2：%3\n', 'unknown': '未知', 'fits': '放得下', 'does NOT fit': '放不下', '  would fit with: %1\n': '  这样可以放下：%1\n', '%1 cannot be used: %2': '%1 无法使用：%2', 'Downloaded %1 files (%2 over the network, %3 already here) in %4, every checksum verified.': '已下载 %1 个文件（网络传输 %2，本地已有 %3），用时 %4，所有校验和均已验证。', 'Stopped. Download again to continue where it stopped.': '已停止。再次下载即可从中断处继续。', 'vs labels: macro-F1 %1 · agreement %2% · ECE %3': '对照标签：宏 F1 %1 · 一致率 %2% · ECE %3', ' · %1 without a verdict': ' · %1 项无判定', 'The API key cannot be used: %1': '无法使用 API 密钥：%1', 'A new API key could not be written: %1': '无法写入新的 API 密钥：%1', '%1×%2 px (the remote server prepares it)': '%1×%2 像素（由远程服务器处理）', 'Models': '模型', 'Model': '模型', 'Size': '大小', 'Parameters': '参数', 'From': '来源', 'State': '状态', 'Use': '使用', 'Load this model (it becomes your model folder)': '加载此模型（它将成为您的模型文件夹）', 'Will it fit?': '放得下吗？', 'Import folder…': '导入文件夹…', 'Copy a checkpoint folder you already have into the models folder (checked first)': '将您已有的检查点文件夹复制到模型文件夹（先行检查）', 'Select a model and press "Will it fit?": every tensor is checked (no weights read) and the memory it needs with the current settings is compared with what is free.': '选择一个模型并按“放得下吗？”：检查每个张量（不读取权重），并将当前设置下所需的内存与可用内存进行比较。', 'Download a model': '下载模型', 'Hugging Face': 'Hugging Face', 'ModelScope': 'ModelScope（魔搭）', 'Repository': '仓库', 'Download': '下载', 'Stop the download; the next download of the same model continues where it stopped': '停止下载；下次下载同一模型时从中断处继续', "Files are checked against the hub's checksums; an interrupted download continues where it stopped. HF_ENDPOINT and HF_TOKEN are honoured.": '文件会按模型仓库提供的校验和进行验证；中断的下载会从中断处继续。支持 HF_ENDPOINT 和 HF_TOKEN。', 'File': '文件', 'Progress': '进度', 'Close': '关闭', 'Models folder: %1': '模型文件夹：%1', 'incomplete download': '下载未完成', 'verified': '已验证', 'not verified': '未验证', 'problems: %1': '问题：%1', 'unusable': '不可用', 'imported': '已导入', 'No models yet: download GLM-4.6V-Flash below, or import a folder you have.': '尚无模型：请在下方下载 GLM-4.6V-Flash，或导入您已有的文件夹。', 'Checking %1…': '正在检查 %1…', 'Listing %1 on %2…': '正在列出 %2 上的 %1…', 'Stopping…': '正在停止…', 'already here': '本地已有', 'resuming at %1%': '从 %1% 处继续', 'verifying': '正在验证', 'retrying': '正在重试', 'failed': '失败', 'waiting': '等待中', '%1/s, %2 left': '%1/秒，剩余 %2', '; %1 were already here': '；本地已有 %1', 'Checkpoint folder to import': '要导入的检查点文件夹', '%1 does not match its config.json; not imported:\n%2': '%1 与其 config.json 不符；未导入：\n%2', 'Imported %1 as %2.': '已将 %1 导入为 %2。', 'Not imported: %1': '未导入：%1', 'Delete model': '删除模型', 'Delete %1 and its files (%2)?': '删除 %1 及其文件（%2）？', 'Deleted %1.': '已删除 %1。', 'Labels not imported: %1': '标签未导入：%1', 'Import labels': '导入标签', 'Labels (*.csv);;All files (*)': '标签 (*.csv);;所有文件 (*)', '&Models…': '模型(&M)…', '<h2>Welcome to Sightline</h2><p>Sightline answers questions about images with <b>GLM-4.6V-Flash</b>, running on your own GPU.</p><p>Download it (about 21 GB) from Hugging Face (<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>) or ModelScope (ZhipuAI/GLM-4.6V-Flash) with <i>File → Models…</i> (resumable, checksums verified, and it tells you first whether the model fits your GPU), or with <code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code>; a folder you already have opens with <i>File → Open model folder…</i>.</p><p>Your earlier chats stay browsable meanwhile.</p>': '<h2>欢迎使用 Sightline</h2><p>Sightline 使用在您自己的 GPU 上运行的 <b>GLM-4.6V-Flash</b> 回答关于图片的问题。</p><p>请通过<i>文件 → 模型…</i>从 ModelScope（ZhipuAI/GLM-4.6V-Flash）或 Hugging Face（<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>）下载（约 21 GB；可断点续传，校验和会被验证，并会先告诉您模型能否放进您的 GPU），或使用 <code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code>；已有的文件夹可通过<i>文件 → 打开模型文件夹…</i>打开。</p><p>在此期间仍可浏览以前的对话。</p>', 'Get GLM-4.6V-Flash…': '获取 GLM-4.6V-Flash…', 'Get GLM-4.6V-Flash': '获取 GLM-4.6V-Flash', '<p>Sightline answers questions about any image with <b>GLM-4.6V-Flash</b>, on your own GPU (or slowly on the CPU).</p><p>Download it (about 21 GB) from Hugging Face (<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>) or ModelScope (ZhipuAI/GLM-4.6V-Flash) here: <b>Download…</b> opens the Models window, which checks first whether it fits your GPU, resumes an interrupted download and verifies every file. On the command line:</p><p><code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code></p><p>A folder you already have opens with <b>Open model folder…</b>. It becomes your model; the demo model stays available when no model is set.</p>': '<p>Sightline 使用 <b>GLM-4.6V-Flash</b> 在您自己的 GPU 上（或较慢地在 CPU 上）回答关于任意图片的问题。</p><p>可在此处从 Hugging Face（<a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">zai-org/GLM-4.6V-Flash</a>）或 ModelScope（ZhipuAI/GLM-4.6V-Flash）下载（约 21 GB）：<b>下载…</b>会打开“模型”窗口，它会先检查模型能否放进您的 GPU，中断的下载可继续，并验证每个文件。命令行：</p><p><code>sightline-cli models pull zai-org/GLM-4.6V-Flash</code></p><p>已有的文件夹可通过<b>打开模型文件夹…</b>打开。它将成为您的模型；未设置模型时仍可使用演示模型。</p>', 'Download…': '下载…', 'Assistant': '助手', 'Moderation evaluation': '审核评估', 'Evaluation tables': '评估表', 'Import labels…': '导入标签…', 'A CSV with the columns id,label,category: label approve, reject or escalate; category the rule a reject breaks': '包含 id,label,category 列的 CSV：label 为 approve、reject 或 escalate；category 为被拒绝项违反的规则', "No labels yet. Import a CSV of the right answers (id,label,category) to measure the model's verdicts on this queue: it works for any model and any queue.": '尚无标签。导入正确答案的 CSV（id,label,category）即可衡量模型在此队列上的判定：适用于任何模型和任何队列。', 'Labels: %1 · updated as verdicts come in': '标签：%1 · 随判定结果更新', 'Evaluate…': '评估…', 'Measure the verdicts against labels you import: precision, recall, F1, confusion, calibration': '用您导入的标签衡量判定：精确率、召回率、F1、混淆矩阵、校准', 'torchvision (as transformers and vLLM)': 'torchvision（与 transformers 和 vLLM 相同）', 'PIL': 'PIL', 'How images are resized before the vision encoder: the two backends of the transformers image processor give pixels that differ by a few levels': '图片在送入视觉编码器前的缩放方式：transformers 图像处理器的两种后端得到的像素值相差几个灰度级', 'Image resize': '图片缩放', 'Backend': '后端', 'Local engine (this computer)': '本地引擎（本机）', 'Remote server (OpenAI-compatible: vLLM, SGLang, sightline serve)': '远程服务器（兼容 OpenAI：vLLM、SGLang、sightline serve）', 'Backend (after restart)': '后端（重启后生效）', 'Remote server': '远程服务器', 'Remote server URL': '远程服务器 URL', 'URL (/v1 base)': 'URL（/v1 基址）', 'None, or $SIGHTLINE_REMOTE_API_KEY': '无，或 $SIGHTLINE_REMOTE_API_KEY', 'Remote API key': '远程 API 密钥', 'The first model the server lists': '服务器列出的第一个模型', 'Remote model': '远程模型', 'API key': 'API 密钥', 'Made when the API is turned on': '在开启 API 时生成', 'Show': '显示', 'Hide': '隐藏', 'Replace the key at once: clients that still send the old one are refused': '立即更换密钥：仍发送旧密钥的客户端将被拒绝', 'Keep a request log (personal data in prompts and answers masked)': '保留请求日志（提示词和回答中的个人数据会被遮盖）', 'API request log': 'API 请求日志', 'precision': '精确率', 'recall': '召回率', 'F1': 'F1', 'support': '样本数', '%1 labelled items · agreement %2 (%3/%1) · macro-F1 %4 · ECE %5': '%1 个已标注项 · 一致率 %2（%3/%1）· 宏 F1 %4 · ECE %5', '%1 labelled items have no verdict and count as wrong: %2 unreadable answers, %3 failed, %4 not judged yet or not in this queue.': '%1 个已标注项没有判定，按错误计：%2 个回答无法读取，%3 个失败，%4 个尚未判定或不在此队列中。', 'Not judged: %1': '未判定：%1', '%1 items of the queue have no label and are not scored: %2': '队列中 %1 项没有标签，不计分：%2', 'Per label': '按标签', "Per reject category (a reject's first category)": '按拒绝类别（拒绝项的第一个类别）', 'Confusion (rows: label, columns: model)': '混淆矩阵（行：标签，列：模型）', 'Calibration of the verdict-token confidence (ECE %1; no verdict counts at 0)': '判定词元置信度的校准（ECE %1；无判定按 0 计）', 'confidence': '置信度', 'items': '项数', 'mean confidence': '平均置信度', 'accuracy': '准确率'})
ZH.update({'Change…': '更改…', 'Keep models in another folder (a bigger disk); models already there stay where they are': '将模型保存在另一个文件夹（更大的磁盘）；已有的模型留在原处', 'Models folder': '模型文件夹'})

ZH.update({'Boxes': '框', 'Show the boxes the answer gives on its images': '在图片上显示回答给出的框', 'Save image…': '保存图片…',
           'Save the image with its boxes as PNG': '将带框的图片保存为 PNG', 'Save boxes…': '保存框…',
           "Save the boxes as JSON (the model's 0–1000 grid and the image's pixels)": '将框保存为 JSON（模型的 0–1000 坐标和图片像素坐标）',
           'Save image with boxes': '保存带框的图片', 'PNG (*.png)': 'PNG (*.png)', 'Save boxes': '保存框', 'Click to view large': '点击查看大图',
           'The image cannot be read': '无法读取图片'})

ZH.update({'%1: PDFs cannot be attached in this build': '%1：此版本无法添加 PDF',
           'Images and PDFs (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf);;All files (*)': '图片和 PDF (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf);;所有文件 (*)'})

ZH.update({'%1: videos cannot be attached in this build': '%1：此版本无法添加视频',
           'video %1:%2, %3×%4, %5 fps': '视频 %1:%2，%3×%4，%5 fps',
           ' (the remote server samples it)': '（由远程服务器抽帧）',
           ' → %1 frames at %2×%3, %4 video tokens': ' → %1 帧，每帧 %2×%3，%4 个视频词元',
           '%1 was not attached: a question takes images or one video, not both': '未添加 %1：一个问题可以带图片或一个视频，不能同时带两者',
           'Images, PDFs and videos (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf *.mp4 *.mov *.m4v *.mkv *.webm *.avi);;All files (*)':
               '图片、PDF 和视频 (*.png *.jpg *.jpeg *.webp *.bmp *.gif *.pdf *.mp4 *.mov *.m4v *.mkv *.webm *.avi);;所有文件 (*)'})

ZH.update({' Mpx': ' 百万像素', 'Max video pixels': '最大视频像素',
           'Upper bound on the pixels of all sampled frames of a video together: lower it to make a long video cost fewer tokens':
               '一个视频所有抽样帧合计的像素上限：调低它可让长视频占用更少的词元'})

ZH.update({"This question alone has %1 tokens, more than the model's context of %2: shorten it or attach fewer or smaller images (Settings → Max image pixels)":
               '仅这个问题就有 %1 个词元，超过了模型的上下文 %2：请缩短问题，或添加更少、更小的图片（设置 → 最大图片像素）',
           "The conversation is longer than the model's context: its %1 oldest messages were left out of this question (they stay in the chat).":
               '对话长度超过了模型的上下文：本次提问未包含最早的 %1 条消息（它们仍保留在对话中）。'})

ZH.update({'Importing %1…': '正在导入 %1…'})

ZH.update({'Exported to %1': '已导出到 %1'})


ZH.update({'Demo model (coloured shapes and counts) · %1 on %2': '演示模型（彩色形状和数量）· %1，运行于 %2',
           'Demo model: it knows coloured shapes and counts them, nothing else (it cannot yet read printed words or say where an object is). For real questions about any image, get GLM-4.6V-Flash.':
               '演示模型：它只认识彩色形状并能数出数量（还不能读出印刷文字，也不能指出物体的位置）。若要就任意图片提出真正的问题，请获取 GLM-4.6V-Flash。',
           '<h2>Welcome to Sightline</h2><p>You are using the <b>demo model</b>: a tiny model trained for this app that knows coloured shapes (circle, square, triangle, star in red, green, blue, yellow, purple, orange) and how many there are. Attach an image like that and ask, for example, <i>What colour is the circle?</i>, <i>What shape is the red object?</i> or <i>How many shapes are there?</i> It was also taught to read one printed word and to say where an object is, but it gets those wrong almost every time. It cannot answer anything else, and it was trained on single questions: start a new chat for each one.</p><p>For real questions about any image, get <b>GLM-4.6V-Flash</b> (about 21 GB) from <a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">Hugging Face</a> or ModelScope with <i>File → Models…</i>, or choose a folder you already have with <i>File → Open model folder…</i>.</p>':
               '<h2>欢迎使用 Sightline</h2><p>您正在使用<b>演示模型</b>：一个为本应用训练的小模型，认识彩色形状（红、绿、蓝、黄、紫、橙色的圆形、正方形、三角形、星形）以及它们的数量。添加这样的图片并提问，例如<i>圆形是什么颜色？</i>、<i>红色物体是什么形状？</i>或<i>有几个形状？</i>。它也学过读出一个印刷单词和指出物体的位置，但几乎总是答错。其他问题它无法回答；它只学过单个问题：每个问题请新开一个对话。</p><p>若要就任意图片提出真正的问题，请通过<i>文件 → 模型…</i>从 <a href="https://huggingface.co/zai-org/GLM-4.6V-Flash">Hugging Face</a> 或 ModelScope 获取 <b>GLM-4.6V-Flash</b>（约 21 GB），或通过<i>文件 → 打开模型文件夹…</i>选择已有的文件夹。</p>'})


def main(path):
    tree = ET.parse(path)
    missing = []
    for m in tree.iter('message'):
        src = m.find('source').text
        tr = m.find('translation')
        if src in ZH:
            tr.text = ZH[src]
            tr.attrib.pop('type', None)
        else:
            missing.append(src)
    tree.write(path, encoding='utf-8', xml_declaration=True)
    for s in missing:
        print('untranslated:', s)
    return 0


if __name__ == '__main__':
    sys.exit(main(sys.argv[1] if len(sys.argv) > 1 else 'translations/sightline_zh_CN.ts'))
