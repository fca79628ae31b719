<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>QObject</name>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="189"/>
        <source>Export failed: %1</source>
        <translation>导出失败：%1</translation>
    </message>
</context>
<context>
    <name>retort::app::ExportDialog</name>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="28"/>
        <source>Export to ONNX</source>
        <translation>导出为 ONNX</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="30"/>
        <source>.safetensors, .pt or .torchscript</source>
        <translation>.safetensors、.pt 或 .torchscript</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="31"/>
        <location filename="../app/gui/exportdialog.cpp" line="41"/>
        <source>Browse…</source>
        <translation>浏览…</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="61"/>
        <source>Dynamic batch, height and width</source>
        <translation>动态批次、高度和宽度</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="65"/>
        <source>Opset 12 loads in the most runtimes (OpenCV DNN, older TensorRT and RKNN converters)</source>
        <translation>Opset 12 可被最多的运行时加载（OpenCV DNN、较旧版本的 TensorRT 和 RKNN 转换器）</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="66"/>
        <source>FP16 weights and I/O</source>
        <translation>FP16 权重和输入/输出</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="69"/>
        <source>Checkpoint</source>
        <translation>检查点</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="70"/>
        <source>Output</source>
        <translation>输出</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="71"/>
        <source>Image size (h × w)</source>
        <translation>图像尺寸（高 × 宽）</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="72"/>
        <source>Opset</source>
        <translation>Opset</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="79"/>
        <source>The export checks its graph with onnx, shape inference and OpenCV DNN before writing the file; the outcome appears here.</source>
        <translation>导出在写入文件前会用 onnx、形状推断和 OpenCV DNN 检查计算图；检查结果显示在此处。</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="82"/>
        <source>Export</source>
        <translation>导出</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="85"/>
        <source>Open folder</source>
        <translation>打开所在文件夹</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="137"/>
        <source>%1: %2 classes, trained at %3 px</source>
        <translation>%1：%2 个类别，训练尺寸 %3 px</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="141"/>
        <source>Cannot load the checkpoint: %1</source>
        <translation>无法加载检查点：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="147"/>
        <source>Checkpoint to export</source>
        <translation>要导出的检查点</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="148"/>
        <source>Weights (*.safetensors *.pt *.torchscript)</source>
        <translation>权重 (*.safetensors *.pt *.torchscript)</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="160"/>
        <source>Export to</source>
        <translation>导出到</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="160"/>
        <source>ONNX models (*.onnx)</source>
        <translation>ONNX 模型 (*.onnx)</translation>
    </message>
    <message>
        <location filename="../app/gui/exportdialog.cpp" line="177"/>
        <source>Exporting and checking…</source>
        <translation>正在导出并检查…</translation>
    </message>
</context>
<context>
    <name>retort::app::InferenceWorker</name>
    <message>
        <location filename="../app/gui/inferenceworker.cpp" line="160"/>
        <source>Attention layers: %1 teacher layers but %2 student layers; they are compared pairwise</source>
        <translation>注意力层：教师模型 %1 层，学生模型 %2 层；将按顺序逐对比较</translation>
    </message>
    <message>
        <location filename="../app/gui/inferenceworker.cpp" line="194"/>
        <location filename="../app/gui/inferenceworker.cpp" line="215"/>
        <source>No model loaded: choose a teacher or a student first</source>
        <translation>未加载模型：请先选择教师模型或学生模型</translation>
    </message>
    <message>
        <location filename="../app/gui/inferenceworker.cpp" line="217"/>
        <source>Image size %1 is too small (at least 32)</source>
        <translation>图像尺寸 %1 过小（至少为 32）</translation>
    </message>
    <message>
        <location filename="../app/gui/inferenceworker.cpp" line="266"/>
        <source>Attention layers %1/%2: not a layer of both models</source>
        <translation>注意力层 %1/%2：并非两个模型共有的层</translation>
    </message>
</context>
<context>
    <name>retort::app::MainWindow</name>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="95"/>
        <source>Retort — distillation workbench</source>
        <translation>Retort — 知识蒸馏工作台</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="116"/>
        <source>The run&apos;s log appears here.</source>
        <translation>运行日志显示在此处。</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="124"/>
        <source>&amp;Training</source>
        <translation>训练(&amp;T)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="125"/>
        <source>&amp;Compare</source>
        <translation>对比(&amp;C)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="126"/>
        <source>&amp;Attention</source>
        <translation>注意力(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="127"/>
        <source>&amp;Results</source>
        <translation>结果(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="132"/>
        <source>Experiment</source>
        <translation>实验</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="137"/>
        <source>Runs</source>
        <translation>运行记录</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="143"/>
        <source>Idle</source>
        <translation>空闲</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="179"/>
        <source>Compare: teacher %1, student %2</source>
        <translation>对比：教师模型 %1，学生模型 %2</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="179"/>
        <location filename="../app/gui/mainwindow.cpp" line="180"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="199"/>
        <source>Open run</source>
        <translation>打开运行</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="252"/>
        <source>&amp;Open experiment…</source>
        <translation>打开实验(&amp;O)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="253"/>
        <location filename="../app/gui/mainwindow.cpp" line="420"/>
        <source>Open experiment</source>
        <translation>打开实验</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="254"/>
        <location filename="../app/gui/mainwindow.cpp" line="450"/>
        <source>Experiments (*.yaml *.yml)</source>
        <translation>实验配置 (*.yaml *.yml)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="258"/>
        <source>&amp;Save experiment</source>
        <translation>保存实验(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="259"/>
        <source>Save experiment &amp;as…</source>
        <translation>实验另存为(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="260"/>
        <source>Run &amp;study</source>
        <translation>运行实验组(&amp;S)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="261"/>
        <source>Run every arm of the experiment: baseline, then each distillation method (F5)</source>
        <translation>运行实验的所有方案：先运行基线，再依次运行各蒸馏方法（F5）</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="262"/>
        <source>Run one &amp;arm…</source>
        <translation>运行单个方案(&amp;A)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="263"/>
        <location filename="../app/gui/mainwindow.cpp" line="781"/>
        <source>&amp;Pause</source>
        <translation>暂停(&amp;P)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="264"/>
        <source>S&amp;top (keeps a checkpoint)</source>
        <translation>停止（保留检查点）(&amp;T)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="265"/>
        <source>Open &amp;images…</source>
        <translation>打开图像(&amp;I)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="266"/>
        <source>Open images</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="267"/>
        <source>Images (*.jpg *.jpeg *.png *.bmp *.webp)</source>
        <translation>图像 (*.jpg *.jpeg *.png *.bmp *.webp)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="273"/>
        <source>&amp;Export to ONNX…</source>
        <translation>导出为 ONNX(&amp;E)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="440"/>
        <location filename="../app/gui/mainwindow.cpp" line="461"/>
        <source>%1[*] — Retort</source>
        <translation>%1[*] — Retort</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="280"/>
        <source>&amp;File</source>
        <translation>文件(&amp;F)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="233"/>
        <source>→ / PageDown	Compare, Attention: next image</source>
        <translation>→ / PageDown	对比、注意力：下一张图像</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="233"/>
        <source>← / PageUp	Compare, Attention: previous image</source>
        <translation>← / PageUp	对比、注意力：上一张图像</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="234"/>
        <source>Wheel, drag	Compare: zoom and pan both views</source>
        <translation>滚轮、拖动	对比：同时缩放和平移两个视图</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="282"/>
        <source>Open &amp;recent</source>
        <translation>最近打开(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="283"/>
        <source>Open the &amp;default experiment</source>
        <translation>打开默认实验(&amp;D)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="288"/>
        <source>Choose &amp;teacher weights…</source>
        <translation>选择教师模型权重(&amp;T)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="289"/>
        <source>Choose st&amp;udent weights…</source>
        <translation>选择学生模型权重(&amp;U)…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="293"/>
        <source>&amp;Quit</source>
        <translation>退出(&amp;Q)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="296"/>
        <source>&amp;Run</source>
        <translation>运行(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="303"/>
        <source>&amp;Refresh runs</source>
        <translation>刷新运行记录(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="305"/>
        <source>&amp;View</source>
        <translation>视图(&amp;V)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="314"/>
        <source>T&amp;heme</source>
        <translation>主题(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="317"/>
        <source>System</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="317"/>
        <source>Light</source>
        <translation>浅色</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="317"/>
        <source>Dark</source>
        <translation>深色</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="329"/>
        <source>&amp;Language</source>
        <translation>语言(&amp;L)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="332"/>
        <source>Follow the system</source>
        <translation>跟随系统</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="341"/>
        <source>Language</source>
        <translation>语言</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="341"/>
        <source>The language changes when Retort starts next.</source>
        <translation>语言将在下次启动 Retort 时生效。</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="345"/>
        <source>&amp;Help</source>
        <translation>帮助(&amp;H)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="346"/>
        <source>&amp;Keyboard shortcuts</source>
        <translation>键盘快捷键(&amp;K)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="347"/>
        <source>Keyboard shortcuts</source>
        <translation>键盘快捷键</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="352"/>
        <source>&amp;About Retort</source>
        <translation>关于 Retort(&amp;A)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="353"/>
        <source>About Retort</source>
        <translation>关于 Retort</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="354"/>
        <source>&lt;b&gt;Retort %1&lt;/b&gt;&lt;p&gt;Knowledge distillation workbench for YOLOv8 detectors: libtorch training with logit, localisation, feature and relation KD, live loss plots, teacher/student comparison and ONNX export.&lt;/p&gt;</source>
        <translation>&lt;b&gt;Retort %1&lt;/b&gt;&lt;p&gt;面向 YOLOv8 检测器的知识蒸馏工作台：基于 libtorch 训练，支持 logit、定位、特征和关系蒸馏，实时损失曲线，教师/学生模型对比以及 ONNX 导出。&lt;/p&gt;</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="360"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="402"/>
        <source>error: %1</source>
        <translation>错误：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="403"/>
        <source>Run failed</source>
        <translation>运行失败</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="420"/>
        <location filename="../app/gui/mainwindow.cpp" line="455"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="449"/>
        <location filename="../app/gui/mainwindow.cpp" line="455"/>
        <source>Save experiment</source>
        <translation>保存实验</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="464"/>
        <source>Saved %1</source>
        <translation>已保存 %1</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="473"/>
        <source>Unsaved changes</source>
        <translation>未保存的更改</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="473"/>
        <source>The experiment has unsaved changes. Save them before %1?</source>
        <translation>实验有未保存的更改。%1之前是否保存？</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="503"/>
        <source>Teacher weights</source>
        <translation>教师模型权重</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="503"/>
        <source>Student weights</source>
        <translation>学生模型权重</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="504"/>
        <source>Weights (*.safetensors *.pt *.torchscript)</source>
        <translation>权重 (*.safetensors *.pt *.torchscript)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="545"/>
        <source>running the study</source>
        <translation>运行研究</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="577"/>
        <location filename="../app/gui/mainwindow.cpp" line="592"/>
        <source>Run one arm</source>
        <translation>运行单个方案</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="577"/>
        <source>Arm</source>
        <translation>方案</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="584"/>
        <source>running the arm</source>
        <translation>运行该分支</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="608"/>
        <source>Resume run</source>
        <translation>恢复运行</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="627"/>
        <location filename="../app/gui/mainwindow.cpp" line="646"/>
        <source>Stopping after this step (a checkpoint is written)…</source>
        <translation>将在当前步完成后停止（会写入检查点）…</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="638"/>
        <location filename="../app/gui/mainwindow.cpp" line="713"/>
        <source>%1 / %2</source>
        <translation>%1 / %2</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="642"/>
        <source>%1: paused (F6 resumes)</source>
        <translation>%1：已暂停（F6 继续）</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="643"/>
        <source>paused</source>
        <translation>已暂停</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="647"/>
        <source>stopping</source>
        <translation>正在停止</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="650"/>
        <source>%1: validating</source>
        <translation>%1：正在验证</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="651"/>
        <source>validating</source>
        <translation>正在验证</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="655"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="682"/>
        <source>study: %1 of %2 runs done</source>
        <translation>研究：已完成 %1/%2 个运行</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="685"/>
        <source> (now %1)</source>
        <translation>（当前 %1）</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="685"/>
        <source> (now %1; pending: %2)</source>
        <translation>（当前 %1；待运行：%2）</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="687"/>
        <source> (pending: %1)</source>
        <translation>（待运行：%1）</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="693"/>
        <source>  ·  study ETA %1</source>
        <translation>  ·  研究剩余 %1</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="726"/>
        <source>epoch %1/%2  batch %3/%4  %5 img/s  ETA %6</source>
        <translation>第 %1/%2 轮  批次 %3/%4  %5 张/秒  预计剩余 %6</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="764"/>
        <source>Done</source>
        <translation>完成</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="764"/>
        <source>Failed: %1</source>
        <translation>失败：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="781"/>
        <source>&amp;Resume</source>
        <translation>恢复(&amp;R)</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="822"/>
        <source>quitting</source>
        <translation>退出</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="828"/>
        <source>A run is going</source>
        <translation>有运行正在进行</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="829"/>
        <source>Stop the run and quit? A checkpoint is written, and the run resumes from it later.</source>
        <translation>停止运行并退出吗？将写入检查点，之后可从该检查点恢复运行。</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="857"/>
        <source>Weights dropped</source>
        <translation>已拖入权重</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="858"/>
        <source>Use %1 as the teacher or the student in Compare?</source>
        <translation>在对比中将 %1 用作教师模型还是学生模型？</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="860"/>
        <source>Teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../app/gui/mainwindow.cpp" line="861"/>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
</context>
<context>
    <name>retort::app::RunController</name>
    <message>
        <location filename="../app/gui/runcontroller.cpp" line="139"/>
        <source>Study stopped; start it again to resume.</source>
        <translation>实验组已停止；再次启动即可继续。</translation>
    </message>
    <message>
        <location filename="../app/gui/runcontroller.cpp" line="140"/>
        <source>Study finished: %1</source>
        <translation>实验组已完成：%1</translation>
    </message>
    <message>
        <location filename="../app/gui/runcontroller.cpp" line="149"/>
        <source>Run stopped; checkpoint written.</source>
        <translation>运行已停止；检查点已写入。</translation>
    </message>
    <message>
        <location filename="../app/gui/runcontroller.cpp" line="149"/>
        <source>Run finished.</source>
        <translation>运行已完成。</translation>
    </message>
</context>
<context>
    <name>retort::widgets::AttentionView</name>
    <message>
        <location filename="../widgets/attentionview.cpp" line="20"/>
        <source>Spatial attention (mean F²)</source>
        <translation>空间注意力（F² 均值）</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="21"/>
        <source>Channel map (CWD softmax)</source>
        <translation>通道图（CWD softmax）</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="22"/>
        <source>Spatial: mean over channels of the squared features.
Channel: spatial softmax of the teacher&apos;s channel with the largest energy and of the same channel of the student (through its feature-KD adapter where the channel counts differ), as CWD compares.</source>
        <translation>空间：特征平方在各通道上的均值。
通道：对教师能量最大的通道做空间 softmax，学生取同一通道（通道数不同时经其特征蒸馏适配器映射），与 CWD 的比较方式一致。</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="31"/>
        <source>Maps</source>
        <translation>图类型</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="82"/>
        <source>layer %1</source>
        <translation>层 %1</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="83"/>
        <source>layers %1 → %2</source>
        <translation>层 %1 → %2</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="87"/>
        <location filename="../widgets/attentionview.cpp" line="90"/>
        <source>channel %1</source>
        <translation>通道 %1</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="91"/>
        <source>student via KD adapter</source>
        <translation>学生经蒸馏适配器</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="94"/>
        <source>channels %1 / %2</source>
        <translation>通道 %1 / %2</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="95"/>
        <source>not aligned (no adapter)</source>
        <translation>未对齐（无适配器）</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="100"/>
        <source>cos %1</source>
        <translation>cos %1</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="119"/>
        <source>Teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="119"/>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="119"/>
        <source>|Teacher − Student|</source>
        <translation>|教师模型 − 学生模型|</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="129"/>
        <source>Open an image in the Compare tab to see where teacher and student look.</source>
        <translation>在“对比”标签页中打开一张图像，即可查看教师模型和学生模型关注的区域。</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="130"/>
        <source>Attention maps need both a teacher and a student model.</source>
        <translation>注意力图需要同时加载教师模型和学生模型。</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="164"/>
        <source>The student has other channel counts here and its checkpoint carries no feature-KD adapter, so its map shows its own most energetic channel, unrelated to the teacher&apos;s.</source>
        <translation>此处学生的通道数与教师不同，且其检查点不含特征蒸馏适配器，因此学生图显示的是它自己能量最大的通道，与教师的通道无关。</translation>
    </message>
    <message>
        <location filename="../widgets/attentionview.cpp" line="172"/>
        <source>%1 — %2 vs %3. Each map is min-max normalised; cos: cosine similarity of the teacher and student maps.</source>
        <translation>%1 — %2 对比 %3。每张图均单独做 min-max 归一化；cos：教师模型与学生模型注意力图的余弦相似度。</translation>
    </message>
</context>
<context>
    <name>retort::widgets::ColorScaleBar</name>
    <message>
        <location filename="../widgets/colorscalebar.cpp" line="12"/>
        <source>Attention, min-max normalised per map (difference: |teacher − student|)</source>
        <translation>注意力，每张图单独做 min-max 归一化（差值图：|教师模型 − 学生模型|）</translation>
    </message>
</context>
<context>
    <name>retort::widgets::CompareView</name>
    <message>
        <location filename="../widgets/compareview.cpp" line="92"/>
        <source>Open…</source>
        <translation>打开…</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="93"/>
        <source>Open an image or a folder of images (or drop them here)</source>
        <translation>打开一张图像或一个图像文件夹（也可直接拖放到此处）</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="96"/>
        <source>Previous image</source>
        <translation>上一张图像</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="98"/>
        <source>Next image</source>
        <translation>下一张图像</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="104"/>
        <source>Confidence threshold: filters the stored detections, no new inference</source>
        <translation>置信度阈值：仅过滤已保存的检测结果，不重新推理</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="108"/>
        <source>NMS IoU threshold (detections were stored after NMS at 0.70)</source>
        <translation>NMS IoU 阈值（检测结果保存时已按 0.70 做过 NMS）</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="119"/>
        <source>Confidences below this level are flagged in amber</source>
        <translation>低于此值的置信度以琥珀色标出</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="130"/>
        <source> px</source>
        <translation> 像素</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="132"/>
        <source>Inference size (long side, a multiple of 32); set to the size the models were trained at when they load, 640 for COCO weights</source>
        <translation>推理尺寸（长边，32 的倍数）；加载模型时设为其训练尺寸，COCO 权重为 640</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="149"/>
        <source>Save PNG…</source>
        <translation>保存 PNG…</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="150"/>
        <source>Save both views and the statistics as one PNG</source>
        <translation>将两个视图及统计信息保存为一张 PNG</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="158"/>
        <source>Confidence</source>
        <translation>置信度</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="162"/>
        <source>IoU</source>
        <translation>IoU</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="166"/>
        <source>Warn below</source>
        <translation>警告阈值</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="169"/>
        <source>Size</source>
        <translation>尺寸</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="204"/>
        <source>Drop an image or a folder here, or use Open…</source>
        <translation>将图像或文件夹拖放到此处，或点击“打开…”</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="238"/>
        <source>conf %1 · IoU %2 · input %3 px</source>
        <translation>置信度 %1 · IoU %2 · 输入 %3 像素</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="292"/>
        <source>  ·  boxes without a partner (IoU ≥ %1) are dashed</source>
        <translation>  ·  无匹配（IoU ≥ %1）的框以虚线显示</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="294"/>
        <source>  ·  teacher %1 ms, student %2 ms, attention %3 ms</source>
        <translation>  ·  教师模型 %1 ms，学生模型 %2 ms，注意力 %3 ms</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="306"/>
        <source>student missed %1, extra %2</source>
        <translation>学生模型漏检 %1 个，多检 %2 个</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="313"/>
        <source>%1: no model</source>
        <translation>%1：未加载模型</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="314"/>
        <location filename="../widgets/compareview.cpp" line="385"/>
        <source>%1: %2</source>
        <translation>%1：%2</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="316"/>
        <location filename="../widgets/compareview.cpp" line="318"/>
        <source>Teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="317"/>
        <location filename="../widgets/compareview.cpp" line="319"/>
        <source>Student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="320"/>
        <source>teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="320"/>
        <source>student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="333"/>
        <source>  (%1 of %2)</source>
        <translation>  （第 %1 张，共 %2 张）</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="344"/>
        <source>No images in %1</source>
        <translation>%1 中没有图像</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="373"/>
        <source>Running both models on %1…</source>
        <translation>正在用两个模型推理 %1…</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="427"/>
        <source>Images (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)</source>
        <translation>图像 (*.jpg *.jpeg *.png *.bmp *.webp *.tif *.tiff)</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="428"/>
        <source>Open images</source>
        <translation>打开图像</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="436"/>
        <source>Save comparison</source>
        <translation>保存对比结果</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="436"/>
        <source>PNG image (*.png)</source>
        <translation>PNG 图像 (*.png)</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="483"/>
        <source> (low)</source>
        <translation>（偏低）</translation>
    </message>
    <message>
        <location filename="../widgets/compareview.cpp" line="500"/>
        <source>Could not write %1</source>
        <translation>无法写入 %1</translation>
    </message>
</context>
<context>
    <name>retort::widgets::DetectionCharts</name>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="71"/>
        <source>teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="71"/>
        <source>student</source>
        <translation>学生模型</translation>
    </message>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="73"/>
        <source>Detections per class</source>
        <translation>各类别检测数</translation>
    </message>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="73"/>
        <location filename="../widgets/detectioncharts.cpp" line="74"/>
        <source>boxes</source>
        <translation>框数</translation>
    </message>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="74"/>
        <source>Confidence histogram</source>
        <translation>置信度直方图</translation>
    </message>
    <message>
        <location filename="../widgets/detectioncharts.cpp" line="75"/>
        <source>confidence</source>
        <translation>置信度</translation>
    </message>
</context>
<context>
    <name>retort::widgets::DetectionStatsPanel</name>
    <message>
        <location filename="../widgets/detectionstatspanel.cpp" line="27"/>
        <source>Copy</source>
        <translation>复制</translation>
    </message>
    <message>
        <location filename="../widgets/detectionstatspanel.cpp" line="28"/>
        <source>Copy the count report to the clipboard</source>
        <translation>将计数报告复制到剪贴板</translation>
    </message>
    <message>
        <location filename="../widgets/detectionstatspanel.cpp" line="78"/>
        <source>%1 %2:</source>
        <translation>%1（%2 个）：</translation>
    </message>
    <message>
        <location filename="../widgets/detectionstatspanel.cpp" line="82"/>
        <source> (low)</source>
        <translation>（偏低）</translation>
    </message>
    <message>
        <location filename="../widgets/detectionstatspanel.cpp" line="85"/>
        <location filename="../widgets/detectionstatspanel.cpp" line="110"/>
        <location filename="../widgets/detectionstatspanel.cpp" line="112"/>
        <source>no detections</source>
        <translation>无检测结果</translation>
    </message>
</context>
<context>
    <name>retort::widgets::DetectionView</name>
    <message>
        <location filename="../widgets/detectionview.cpp" line="139"/>
        <source>%1 %2 — no partner in the other model</source>
        <translation>%1 %2 — 另一模型中无匹配框</translation>
    </message>
    <message>
        <location filename="../widgets/detectionview.cpp" line="142"/>
        <location filename="../widgets/detectionview.cpp" line="224"/>
        <source>%1 %2</source>
        <translation>%1 %2</translation>
    </message>
</context>
<context>
    <name>retort::widgets::ExperimentPanel</name>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="62"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="71"/>
        <source>Form</source>
        <translation>表单</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="76"/>
        <source>YAML</source>
        <translation>YAML</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="82"/>
        <source>Run the experiment&apos;s study (every arm)</source>
        <translation>运行该实验的实验组（所有方案）</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="154"/>
        <source>Ultralytics data YAML</source>
        <translation>Ultralytics 数据集 YAML</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="155"/>
        <source>.safetensors, .pt or .torchscript</source>
        <translation>.safetensors、.pt 或 .torchscript</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="156"/>
        <source>e.g. yolov8s.yaml</source>
        <translation>例如 yolov8s.yaml</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="157"/>
        <source>none: trained from scratch</source>
        <translation>留空：从头训练</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="158"/>
        <source>e.g. yolov8n.yaml</source>
        <translation>例如 yolov8n.yaml</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="174"/>
        <source>baseline, logit+loc, logit+loc+cwd</source>
        <translation>baseline, logit+loc, logit+loc+cwd</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="176"/>
        <source>Data and models</source>
        <translation>数据与模型</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="178"/>
        <source>Data</source>
        <translation>数据集</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="179"/>
        <source>Teacher weights</source>
        <translation>教师模型权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="180"/>
        <source>Teacher architecture</source>
        <translation>教师模型结构</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="181"/>
        <source>Student weights</source>
        <translation>学生模型权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="182"/>
        <source>Student architecture</source>
        <translation>学生模型结构</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="184"/>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="186"/>
        <source>Epochs</source>
        <translation>训练轮数</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="187"/>
        <source>Image size</source>
        <translation>图像尺寸</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="188"/>
        <source>Batch</source>
        <translation>批次大小</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="189"/>
        <source>Initial lr (lr0)</source>
        <translation>初始学习率（lr0）</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="190"/>
        <source>Seed</source>
        <translation>随机种子</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="192"/>
        <source>Distillation</source>
        <translation>蒸馏</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="194"/>
        <source>Logit weight</source>
        <translation>Logit 权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="195"/>
        <source>Logit temperature</source>
        <translation>Logit 温度</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="196"/>
        <source>Localisation weight</source>
        <translation>定位权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="197"/>
        <source>Localisation temperature</source>
        <translation>定位温度</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="198"/>
        <source>Feature type</source>
        <translation>特征类型</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="199"/>
        <source>Feature weight</source>
        <translation>特征权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="200"/>
        <source>Feature temperature (tau)</source>
        <translation>特征温度（tau）</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="201"/>
        <source>Relation weight</source>
        <translation>关系权重</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="202"/>
        <source>Arms</source>
        <translation>方案</translation>
    </message>
    <message>
        <location filename="../widgets/experimentpanel.cpp" line="266"/>
        <location filename="../widgets/experimentpanel.cpp" line="291"/>
        <source>experiment</source>
        <translation>实验</translation>
    </message>
</context>
<context>
    <name>retort::widgets::ResultsView</name>
    <message>
        <location filename="../widgets/resultsview.cpp" line="68"/>
        <source>Per-class AP50-95</source>
        <translation>各类别 AP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="69"/>
        <source>Export to ONNX…</source>
        <translation>导出为 ONNX…</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="72"/>
        <source>Arm</source>
        <translation>方案</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="72"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="72"/>
        <location filename="../widgets/resultsview.cpp" line="106"/>
        <source>mAP50-95</source>
        <translation>mAP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="72"/>
        <source>mAP50</source>
        <translation>mAP50</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="72"/>
        <source>Retention</source>
        <translation>保持率</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>Gain</source>
        <translation>增益</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>AP_S</source>
        <translation>AP(小)</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>AP_M</source>
        <translation>AP(中)</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>AP_L</source>
        <translation>AP(大)</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>R_S</source>
        <translation>召回率(小)</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="73"/>
        <source>Last</source>
        <translation>末轮</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="74"/>
        <source>Best ep.</source>
        <translation>最佳轮次</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="74"/>
        <source>Params</source>
        <translation>参数量</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="74"/>
        <source>GFLOPs</source>
        <translation>GFLOPs</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="74"/>
        <source>ms/img</source>
        <translation>ms/图</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="75"/>
        <source>(COCO size ranges, object area in the original image)</source>
        <translation>（COCO 尺寸划分，按目标在原图中的面积）</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="76"/>
        <source>AP50-95 of small objects: area &lt; 32² px</source>
        <translation>小目标的 AP50-95：面积 &lt; 32² 像素</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="77"/>
        <source>AP50-95 of medium objects: 32² to 96² px</source>
        <translation>中目标的 AP50-95：面积 32² 至 96² 像素</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="78"/>
        <source>AP50-95 of large objects: area ≥ 96² px</source>
        <translation>大目标的 AP50-95：面积 ≥ 96² 像素</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="79"/>
        <source>Recall of small objects: area &lt; 32² px</source>
        <translation>小目标的召回率：面积 &lt; 32² 像素</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="80"/>
        <source>mAP50-95 of the run&apos;s last-epoch weights</source>
        <translation>该运行最后一轮权重的 mAP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="81"/>
        <source>The epoch of the best weights, which the other columns evaluate</source>
        <translation>最佳权重所在的轮次（其余各列均评估该权重）</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="94"/>
        <source>Export the selected arm&apos;s best checkpoint</source>
        <translation>导出所选方案的最佳检查点</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <source>Class</source>
        <translation>类别</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <source>Instances</source>
        <translation>实例数</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <source>Teacher</source>
        <translation>教师模型</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <source>Baseline</source>
        <translation>基线</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <location filename="../widgets/resultsview.cpp" line="256"/>
        <source>Best arm</source>
        <translation>最佳方案</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="112"/>
        <source>Δ</source>
        <translation>Δ</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="165"/>
        <source>Cannot read the study table: %1</source>
        <translation>无法读取实验组汇总表：%1</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="176"/>
        <source>%1 (seed %2)</source>
        <translation>%1（种子 %2）</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="233"/>
        <source>No study loaded</source>
        <translation>未加载实验组</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="233"/>
        <source>%1: no rows</source>
        <translation>%1：没有数据行</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/resultsview.cpp" line="235"/>
        <source>Study &lt;b&gt;%1&lt;/b&gt; — %n arm(s)</source>
        <translation>
            <numerusform>实验组 &lt;b&gt;%1&lt;/b&gt; — %n 个方案</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="257"/>
        <source>The distilled arm with the highest mAP50-95</source>
        <translation>mAP50-95 最高的蒸馏方案</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="258"/>
        <source>%1 minus baseline</source>
        <translation>%1 减去基线</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="278"/>
        <source>Δ = %1 (the distilled arm with the highest mAP50-95) minus baseline.</source>
        <translation>Δ = %1（mAP50-95 最高的蒸馏方案）减去基线。</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="284"/>
        <source>none</source>
        <translation>无</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="286"/>
        <source>Distillation helped most: %1; hurt most: %2.</source>
        <translation>蒸馏提升最多：%1；下降最多：%2。</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="356"/>
        <source>Export best checkpoint to ONNX…</source>
        <translation>将最佳检查点导出为 ONNX…</translation>
    </message>
    <message>
        <location filename="../widgets/resultsview.cpp" line="414"/>
        <source>teacher %1</source>
        <translation>教师模型 %1</translation>
    </message>
</context>
<context>
    <name>retort::widgets::RunsPanel</name>
    <message>
        <location filename="../widgets/runspanel.cpp" line="22"/>
        <source>finished</source>
        <translation>已完成</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="23"/>
        <source>stopped</source>
        <translation>已停止</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="24"/>
        <source>running</source>
        <translation>运行中</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="25"/>
        <source>incomplete</source>
        <translation>未完成</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="44"/>
        <source>Resume</source>
        <translation>恢复</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="45"/>
        <location filename="../widgets/runspanel.cpp" line="231"/>
        <source>Refresh</source>
        <translation>刷新</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Run</source>
        <translation>运行</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Status</source>
        <translation>状态</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Method</source>
        <translation>方法</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Epoch</source>
        <translation>Epoch</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Best mAP50-95</source>
        <translation>最佳 mAP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="48"/>
        <source>Retention</source>
        <translation>保持率</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="58"/>
        <source>Continue the selected stopped run from its last checkpoint</source>
        <translation>从最近的检查点继续所选的已停止运行</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="115"/>
        <source>study table</source>
        <translation>实验组汇总表</translation>
    </message>
    <message numerus="yes">
        <location filename="../widgets/runspanel.cpp" line="116"/>
        <source>%n run(s)</source>
        <translation>
            <numerusform>%n 次运行</numerusform>
        </translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="126"/>
        <source>stopped (resumable)</source>
        <translation>已停止（可恢复）</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="222"/>
        <source>Open in Training tab</source>
        <translation>在“训练”标签页中打开</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="223"/>
        <source>Resume from checkpoint</source>
        <translation>从检查点恢复</translation>
    </message>
    <message>
        <location filename="../widgets/runspanel.cpp" line="227"/>
        <source>Open study results</source>
        <translation>打开实验组结果</translation>
    </message>
</context>
<context>
    <name>retort::widgets::TrainingCharts</name>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="99"/>
        <source>Log scale</source>
        <translation>对数坐标</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="102"/>
        <source>Training loss</source>
        <translation>训练损失</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="102"/>
        <source>loss</source>
        <translation>损失</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="103"/>
        <source>Learning rate</source>
        <translation>学习率</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="103"/>
        <source>lr (group 0)</source>
        <translation>学习率（参数组 0）</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="104"/>
        <source>Validation</source>
        <translation>验证</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="104"/>
        <source>mAP</source>
        <translation>mAP</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="105"/>
        <location filename="../widgets/trainingcharts.cpp" line="378"/>
        <source>epoch</source>
        <translation>epoch</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="110"/>
        <source>mAP50</source>
        <translation>mAP50</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="114"/>
        <source>mAP50-95</source>
        <translation>mAP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="122"/>
        <source>teacher mAP50-95</source>
        <translation>教师模型 mAP50-95</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="132"/>
        <source>Exponential moving average of the plotted values</source>
        <translation>对绘制的数值做指数移动平均</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="135"/>
        <source>Step</source>
        <translation>步数</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="136"/>
        <source>Epoch</source>
        <translation>Epoch</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="137"/>
        <source>Horizontal axis in optimisation steps (batches) or in epochs</source>
        <translation>横轴以优化步数（批次）或 epoch 为单位</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="138"/>
        <source>Check the loss components to plot</source>
        <translation>勾选要绘制的损失分量</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="148"/>
        <source>Smoothing</source>
        <translation>平滑</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="154"/>
        <source>X axis</source>
        <translation>横轴</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="160"/>
        <source>Components</source>
        <translation>分量</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="378"/>
        <source>step (batch)</source>
        <translation>步数（批次）</translation>
    </message>
    <message>
        <location filename="../widgets/trainingcharts.cpp" line="428"/>
        <source>teacher mAP50-95 %1</source>
        <translation>教师模型 mAP50-95 %1</translation>
    </message>
</context>
</TS>
