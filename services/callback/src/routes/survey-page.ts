import { callbackResolutions, satisfactionLevels, type CallbackResolution, type Satisfaction } from '@hotline/domain';

/** The citizen's survey page (满意度评价): plain HTML, no script, readable on a small phone. */

const satisfactionLabels: Record<Satisfaction, string> = {
  very_satisfied: '非常满意',
  satisfied: '满意',
  basically_satisfied: '基本满意',
  dissatisfied: '不满意',
  very_dissatisfied: '非常不满意',
};

const resolutionLabels: Record<CallbackResolution, string> = {
  resolved: '已解决',
  partly: '部分解决',
  unresolved: '未解决',
};

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(title)} - 12345政务服务便民热线</title>
<style>
  body { font-family: "PingFang SC", "Microsoft YaHei", "WenQuanYi Micro Hei", sans-serif; margin: 0; background: #f4f6f8; color: #222; }
  main { max-width: 32rem; margin: 0 auto; padding: 1rem; }
  h1 { font-size: 1.25rem; color: #b71c1c; }
  section, fieldset { background: #fff; border: 1px solid #ddd; border-radius: .5rem; padding: .75rem 1rem; margin: 0 0 1rem; }
  legend { font-weight: bold; padding: 0 .25rem; }
  label.choice { display: block; padding: .6rem .25rem; font-size: 1.05rem; }
  input[type=radio], input[type=checkbox] { transform: scale(1.3); margin-right: .6rem; }
  textarea { width: 100%; box-sizing: border-box; min-height: 5rem; font-size: 1rem; }
  button { width: 100%; padding: .8rem; font-size: 1.1rem; background: #c62828; color: #fff; border: 0; border-radius: .5rem; }
  .problem { color: #b71c1c; font-weight: bold; }
  .reply { white-space: pre-wrap; }
</style>
</head>
<body><main>
<h1>${escapeHtml(title)}</h1>
${body}
</main></body>
</html>`;
}

export interface SurveyView {
  number: string;
  title: string;
  reply: string | null;
  problems?: string[];
}

export function surveyForm(view: SurveyView): string {
  const problems = view.problems?.length ? `<p class="problem" role="alert">${view.problems.map(escapeHtml).join('<br>')}</p>` : '';
  const radios = <T extends string>(name: string, labels: Record<T, string>, values: readonly T[]) =>
    values.map((v) => `<label class="choice"><input type="radio" name="${name}" value="${v}" required>${labels[v]}</label>`).join('\n');
  return page(
    '办理结果满意度评价',
    `<section>
  <p>工单编号：${escapeHtml(view.number)}</p>
  <p>诉求：${escapeHtml(view.title)}</p>
  ${view.reply ? `<p>承办单位答复：</p><p class="reply">${escapeHtml(view.reply)}</p>` : ''}
</section>
${problems}
<form method="post">
<fieldset><legend>您反映的问题是否已解决？</legend>
${radios('resolved', resolutionLabels, callbackResolutions)}
</fieldset>
<fieldset><legend>您对办理结果是否满意？</legend>
${radios('satisfaction', satisfactionLabels, satisfactionLevels)}
</fieldset>
<fieldset><legend>意见或建议（选填）</legend>
<textarea name="comment" maxlength="2000" aria-label="意见或建议"></textarea>
<label class="choice"><input type="checkbox" name="reopen" value="yes">问题未解决或不满意，要求重新办理</label>
</fieldset>
<button type="submit">提交评价</button>
</form>`,
  );
}

export const surveyPages = {
  thanks: (reopened: boolean) =>
    page(
      '感谢您的评价',
      `<section><p>您的评价已提交。${reopened ? '您的诉求将重新交办，承办单位会再次处理并答复您。' : '感谢您对12345热线工作的支持。'}</p></section>`,
    ),
  invalid: () => page('链接无效', '<section><p>该评价链接无效，请核对短信中的链接，或拨打12345咨询。</p></section>'),
  expired: () => page('链接已过期', '<section><p>该评价链接已过期。如仍有问题，请拨打12345反映。</p></section>'),
  used: () => page('已经评价过了', '<section><p>这次答复已经评价过了，每次答复只能评价一次。感谢您的反馈。</p></section>'),
};

export interface SurveyAnswer {
  resolved: CallbackResolution;
  satisfaction: Satisfaction;
  comment: string | null;
  reopen: boolean;
}

/** Reads the submitted form; problems are shown on the page in Chinese, naming the field. */
export function readSurveyForm(form: URLSearchParams): { answer: SurveyAnswer | null; problems: string[] } {
  const problems: string[] = [];
  const resolved = form.get('resolved');
  const satisfaction = form.get('satisfaction');
  // Browsers send a textarea's line breaks as CRLF, but its maxlength counted each as one.
  const comment = (form.get('comment') ?? '').replace(/\r\n/g, '\n').trim();
  if (!callbackResolutions.includes(resolved as CallbackResolution)) problems.push('请选择问题是否已解决（resolved）');
  if (!satisfactionLevels.includes(satisfaction as Satisfaction)) problems.push('请选择满意程度（satisfaction）');
  if (comment.length > 2000) problems.push('意见或建议不能超过2000字（comment）');
  if (problems.length > 0) return { answer: null, problems };
  return {
    answer: {
      resolved: resolved as CallbackResolution,
      satisfaction: satisfaction as Satisfaction,
      comment: comment || null,
      reopen: form.get('reopen') === 'yes',
    },
    problems,
  };
}

export const surveyLabels = { satisfaction: satisfactionLabels, resolved: resolutionLabels };
