/**
 * 中文: the strings of `strings.en.ts`, with the seed tutorials' terms (全量复制, 增量复制 /
 * 部分重同步, 复制积压缓冲区, 复制偏移量, 运行ID, 复制 ID). Typed against English, so a missing key
 * fails to compile.
 */
import type { Catalogue } from "../i18n/en.ts";
import type { gesturesEn, glossaryEn, lessonsEn, restartWarningEn, waitsEn } from "./strings.en.ts";

export const lessonsZh: Catalogue<typeof lessonsEn> = {
  open: "课程",
  openTitle: "教程中的引导课程，在这个实验室上进行",
  panel: "课程",
  close: "关闭课程面板",
  chooseTitle: "选择一门课程",
  chooseHint: "每门课程都会新建一个实验室并一步步带你完成：阅读说明，自己动手或让它替你做，然后看检查项变绿。",
  loading: "加载中…",
  start: "开始",
  startTitle: "在新实验室中开始“{{title}}”",
  needsKind_other: "需要节点类型 {{kinds}}",
  steps_other: "{{count}} 步",
  stepOf: "第 {{step}} 步，共 {{count}} 步",
  tryIt: "自己动手",
  checks: "检查",
  checksHint: "由服务器对照实验室的引擎检查；全部满足后才能点“下一步”。",
  checkPass: "满足",
  checkWaiting: "等待中",
  back: "← 上一步",
  backTitle: "回到上一步：实验室会重建为那一步开始时的样子",
  doIt: "替我做",
  doItTitle: "替你执行这一步的操作",
  done: "已替你执行。请看检查项。",
  next: "下一步 →",
  nextTitle: "继续（所有检查满足后可用）",
  finish: "完成",
  finished: "课程完成。所有检查都已通过。",
  another: "选择另一门课程",
  sources: "出自种子文档",
  seed: "种子 {{seed}} §{{section}}",
  code: "代码路径：{{code}}",
  now: "当前：{{value}}",
  check: {
    equals: "{{node}}：{{field}} = {{value}}",
    notEquals: "{{node}}：{{field}} ≠ {{value}}",
    atLeast: "{{node}}：{{field}} ≥ {{value}}",
    atMost: "{{node}}：{{field}} ≤ {{value}}",
    sameAs: "{{node}}：{{field}} = {{other}} 的 {{otherField}}",
    differsFrom: "{{node}}：{{field}} ≠ {{other}} 的 {{otherField}}",
    event: "{{who}} 报告了 {{event}}{{filters}}",
    eventAbsent: "这一步开始后没有 {{event}}{{filters}}",
    eventMany: "{{who}} 报告了 {{event}}{{filters}} 至少 {{count}} 次",
    anyNode: "某个节点",
    side: "，{{side}} 一侧",
    peer: "，对端 {{peer}}",
    detail: "（{{detail}}）",
    sinceLesson: "，自课程开始",
    key: "{{node}} 有 {{key}} = {{value}}",
    keyExists: "{{node}} 有键 {{key}}",
    keyAbsent: "{{node}} 没有键 {{key}}",
    sameData: "{{node}} 的数据与 {{other}} 相同",
    typed: "在 {{node}} 的控制台输入了 {{command}}",
  },
  calculator: {
    title: "积压缓冲区大小：2 × 秒数 × 每秒写入字节数",
    seconds: "要扛住的断线时长（秒）",
    rate: "写入量（字节/秒）",
    result: "repl-backlog-size ≥ {{bytes}} 字节",
    command: "CONFIG SET repl-backlog-size {{bytes}}",
  },
  help: {
    title: "课程与解释",
    lessons: "课程（顶栏）：来自教程的引导步骤；“上一步”会把实验室重建为上一步开始时的样子。",
    glossary: "卡片或检查器上带虚线的指标名（偏移量、复制 ID、积压缓冲区、延迟……）：点击可看它的含义和讲解它的课程。",
  },
};

export const glossaryZh: Catalogue<typeof glossaryEn> = {
  title: "{{term}} 是什么？",
  seeLesson: "在课程“{{title}}”中看它",
  openTitle: "{{term}} 是什么意思？",
  close: "关闭",
  term: {
    offset: "复制偏移量",
    replid: "复制 ID",
    replid2: "replid2",
    backlog: "积压缓冲区窗口",
    lag: "延迟",
    repl_state: "repl_state",
    run_id: "运行ID",
    binlog_seq: "binlog 序号",
  },
  text: {
    offset: "复制偏移量（master_repl_offset）：节点产生或应用了多少字节的复制流；从机的偏移量与主机相同，数据就一致。",
    replid: "复制 ID（master_replid）：40 位十六进制，为数据集的一段历史命名；从机采用主机的复制 ID，PSYNC 用复制 ID 和偏移量请求接续这段历史。",
    replid2: "上一个复制 ID（master_replid2）：提升后保留，有效到 second_repl_offset，让旧主机的从机仍能部分重同步。",
    backlog: "复制积压缓冲区：复制流最新的 repl-backlog-size 个字节，从 repl_backlog_first_byte_offset 到 master_repl_offset；从机回来时还在这个窗口里，就能部分重同步。",
    lag: "从机落后主机多少：还没应用的复制流字节数，以及距上次 REPLCONF ACK 的秒数。",
    repl_state: "从机在 redis 复制状态机中的位置：connect、connecting、握手（receive_…_reply）、传输 RDB（transfer）或 connected。",
    run_id: "运行ID：服务器每次启动随机生成的 40 位十六进制 ID（INFO run_id）；2.8 的 PSYNC 用主机的运行ID 命名历史，重启或提升都会改变它。",
    binlog_seq: "SSDB 的 binlog 序号：每次写入得到下一个序号，从机请求主机从它应用的最后一个序号继续。",
  },
};

export const gesturesZh: Catalogue<typeof gesturesEn> = {
  pan: "拖动空白处平移；滚轮或双指缩放（也可用 + / − 按钮）。",
  moveCard: "拖动卡片主体可移动它；它会留在原处，直到点“布局”。",
  select: "点击卡片名称查看该节点；Esc 取消选择。",
  deleteLink: "选中一条连线（点击它的标签）后按 Del 删除：在从机上执行 REPLICAOF NO ONE。",
};

export const waitsZh: Catalogue<typeof waitsEn> = {
  disklessDelay_other: "无盘同步 {{count}} 秒后开始：repl-diskless-sync-delay {{delay}}",
  disklessNow: "无盘同步在下一个 cron 秒开始：repl-diskless-sync-delay {{delay}}",
  timeout_other: "主机已 {{silent}} 秒无响应：连接将在 {{count}} 秒后超时（repl-timeout {{timeout}}）",
};

export const restartWarningZh: Catalogue<typeof restartWarningEn> = {
  title: "重启 {{name}}？它的从机会丢数据",
  unsaved_other: "{{name}} 是主机，有 {{count}} 处修改还没存进 dump.rdb。重启运行中的节点等于崩溃：它回来时只有上次保存的数据。",
  lost: "{{name}} 宕机时没有保存：上次保存之后的写入已不在它的磁盘上。",
  wiped: "清空磁盘重启 {{name}}，它回来时是空的。",
  replicas_other: "它的从机 {{names}}（最多有 {{keys}} 个键）会重连、做全量复制，并丢掉 {{name}} 已经没有的数据。",
  cancel: "取消",
  saveFirst: "先 SAVE，再重启",
  restartAnyway: "仍然重启",
};
