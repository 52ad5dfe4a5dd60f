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
