/** 中文: the strings of `strings.en.ts`. Typed against English, so a missing key fails to compile. */
import type { Catalogue } from "../i18n/en.ts";
import type { classroomEn } from "./strings.en.ts";

export const classroomZh: Catalogue<typeof classroomEn> = {
  start: "授课",
  startTitle: "在这个实验上开始课堂：学生打开加入链接，实时跟随",
  startFailed: "无法开始课堂",
  joining: "正在加入课堂 {{code}}…",
  ended: "课堂 {{code}} 已结束。",
  endedOnFork: "课堂 {{code}} 已结束。这个分支仍然归你：可以继续在上面操作。",
  leave: "离开",
  leaveForkTitle: "离开课堂，留在你的分支上（你的浏览器在一周内仍可访问你的分支）",
  codeTitle: "加入码：学生打开旁边的链接，或在本页地址后加上 ?class= 和加入码",
  linkLabel: "加入链接",
  countTitle: "在课堂中的学生：正在跟随你的实验，或在自己的分支上",
  following_other: "{{count}} 人跟随",
  forked_other: "{{count}} 人分支",
  gather: "全体回来",
  gatherTitle: "所有学生离开自己的分支，重新跟随你的实验，停在你屏幕上显示的时刻",
  gatherFailed: "无法让全体回来",
  end: "结束课堂",
  endTitle: "结束课堂：加入码失效，学生不能再跟随；每个学生保留自己的分支",
  endFailed: "无法结束课堂",
  youFollow: "正在跟随老师（只读）",
  youForked: "在你自己的分支上",
  fork: "分支",
  forkTitle: "把实验此刻的状态复制一份继续运行，归你自己，随便尝试",
  forkFailed: "无法创建分支",
  return: "回到跟随",
  returnTitle: "离开你的分支，重新跟随老师的实验",
  pointer: "老师的指针",
  followLocked: "你正在跟随老师的实验，只有老师可以改动它：创建分支，在自己的副本上尝试",
};
