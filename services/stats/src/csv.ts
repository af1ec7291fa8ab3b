import type { DepartmentStatsResult, HotspotResult, OverdueResult, OverviewResult, TrendResult } from '@hotline/contracts';
import type { z } from 'zod';
import type { Rate } from '@hotline/contracts';

type Cell = string | number | null | undefined;

/** A byte-order mark first, so Excel reads the file as UTF-8 and shows the Chinese. */
const BOM = '\uFEFF';

function cell(value: Cell): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  // A text starting with = + - @ would run as a formula in a spreadsheet (CSV injection).
  const text = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function toCsv(header: readonly string[], rows: readonly Cell[][]): string {
  return BOM + [header, ...rows].map((r) => r.map(cell).join(',')).join('\r\n') + '\r\n';
}

const percent = (r: z.infer<typeof Rate>) => (r.rate === null ? null : Math.round(r.rate * 10_000) / 100);

export function overviewCsv(o: OverviewResult): string {
  const f = o.figures;
  const rate = (name: string, r: z.infer<typeof Rate>, group = '三率'): Cell[] => [group, name, null, r.numerator, r.denominator, percent(r)];
  const count = (group: string, name: string, n: number | null): Cell[] => [group, name, n, null, null, null];
  return toCsv(
    ['分组', '项目', '数值', '分子', '分母', '比率(%)'],
    [
      count('工单量', '受理', o.volumes.received),
      count('工单量', '派单', o.volumes.dispatched),
      count('工单量', '直接答复', o.volumes.answered),
      count('工单量', '转办(110/119/120/122)', o.volumes.transferred),
      count('工单量', '并单', o.volumes.merged),
      rate('自动分派率', f.automaticRouting, '分派'),
      count('分派', '转人工:模型把握不足', f.triageCauses.unsure),
      count('分派', '转人工:内容字数不足', f.triageCauses.tooFewWords),
      count('分派', '转人工:无训练标注的类别', f.triageCauses.unlabelledCategory),
      rate('签收及时率', f.acceptOnTime),
      rate('按时办结率', f.replyOnTime),
      rate('解决率', f.resolution),
      rate('满意率', f.satisfaction),
      count('满意度', '满意度得分', f.satisfactionScore),
      count('满意度', '非常满意', f.satisfactionLevels.very_satisfied),
      count('满意度', '满意', f.satisfactionLevels.satisfied),
      count('满意度', '基本满意', f.satisfactionLevels.basically_satisfied),
      count('满意度', '不满意', f.satisfactionLevels.dissatisfied),
      count('满意度', '非常不满意', f.satisfactionLevels.very_dissatisfied),
      count('回访', '未接通办结(不计入分母)', f.unreachable),
      count('回访', '未接通回访次数', f.unreachedAttempts),
      count('办理', '派单次数', f.dispatches),
      count('办理', '退单', f.returns),
      count('办理', '重办', f.reopens),
      count('办理', '超期', f.overdue),
      count('时长(分钟)', '签收时长中位数', f.timeToAccept.medianMinutes),
      count('时长(分钟)', '签收时长P90', f.timeToAccept.p90Minutes),
      count('时长(分钟)', '办结时长中位数', f.timeToReply.medianMinutes),
      count('时长(分钟)', '办结时长P90', f.timeToReply.p90Minutes),
      ...o.byCategory.map((c) => count('类别', c.name, c.received)),
      ...o.byDistrict.map((c) => count('区县', c.name, c.received)),
      ...o.byChannel.map((c) => count('渠道', c.name, c.received)),
    ],
  );
}

export function departmentsCsv(d: DepartmentStatsResult): string {
  return toCsv(
    [
      '排名', '单位代码', '承办单位', '综合得分', '派单工单', '派单次数',
      '应签收', '及时签收', '签收及时率(%)', '办结', '按时办结', '按时办结率(%)',
      '回访接通', '已解决', '解决率(%)', '评价', '满意', '满意率(%)', '满意度得分',
      '未接通办结', '退单', '重办', '超期', '自动分派率(%)',
      '签收时长中位数(分钟)', '签收时长P90(分钟)', '办结时长中位数(分钟)', '办结时长P90(分钟)',
    ],
    d.departments.map((c) => {
      const f = c.figures;
      return [
        c.rank, c.department, c.name, c.composite, c.volumes.dispatched, f.dispatches,
        f.acceptOnTime.denominator, f.acceptOnTime.numerator, percent(f.acceptOnTime), f.replyOnTime.denominator, f.replyOnTime.numerator, percent(f.replyOnTime),
        f.resolution.denominator, f.resolution.numerator, percent(f.resolution),
        f.satisfaction.denominator, f.satisfaction.numerator, percent(f.satisfaction), f.satisfactionScore,
        f.unreachable, f.returns, f.reopens, f.overdue, percent(f.automaticRouting),
        f.timeToAccept.medianMinutes, f.timeToAccept.p90Minutes, f.timeToReply.medianMinutes, f.timeToReply.p90Minutes,
      ];
    }),
  );
}

export function trendCsv(t: TrendResult): string {
  return toCsv(
    ['起始日期', '受理', '派单', '直接答复', '转办', '并单', '自动分派率(%)', '签收及时率(%)', '按时办结率(%)', '解决率(%)', '满意率(%)'],
    t.points.map((p) => [
      p.start, p.volumes.received, p.volumes.dispatched, p.volumes.answered, p.volumes.transferred, p.volumes.merged,
      percent(p.automaticRouting), percent(p.acceptOnTime), percent(p.replyOnTime), percent(p.resolution), percent(p.satisfaction),
    ]),
  );
}

export function overdueCsv(o: OverdueResult): string {
  return toCsv(
    ['清单', '工单编号', '标题', '承办单位', '区县', '超期环节或督办原因', '截止或立案时间', '超期小时', '督办办结时间'],
    [
      ...o.overdue.items.map((i) => [
        '超期', i.number, i.title, i.departmentName ?? i.department, i.district, i.deadline === 'accept' ? '签收' : '办结', i.due, i.overdueHours, null,
      ]),
      ...o.supervision.items.map((s) => ['督办', s.number, s.title, s.departmentName ?? s.department, null, s.reasonName, s.createdAt, null, s.resolvedAt]),
    ],
  );
}

export function hotspotsCsv(h: HotspotResult): string {
  return toCsv(
    ['类型', '名称', '本期', '上期', '增量', '增幅(%)', '示例工单'],
    [...h.places, ...h.topics].map((s) => [
      s.kind === 'place' ? '地点' : '事项',
      s.name,
      s.current,
      s.previous,
      s.increase,
      s.growth === null ? null : Math.round(s.growth * 10_000) / 100,
      s.examples.map((e) => `${e.number} ${e.title}（${e.count}件）`).join('；'),
    ]),
  );
}
