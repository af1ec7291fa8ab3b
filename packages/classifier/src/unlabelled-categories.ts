/**
 * The labelled data covers 7 of the taxonomy's 15 first-level categories. A model trained on
 * 7 labels always answers one of them, often confidently, for an appeal that belongs to none
 * (a funeral parlour's prices come out as 商贸旅游 at 0.98). These terms mark appeals of the
 * unlabelled categories; the classifier service sends a ticket that mentions one to an agent
 * instead of routing it on the model's word.
 *
 * Only terms that are specific and (nearly) absent from the labelled data are listed: broad
 * ones like 派出所 or 户口 appear in hundreds of labelled messages of other categories, where the
 * model's own confidence already decides. `pnpm eval` prints how many held-out messages the
 * list sends to triage.
 */
export const unlabelledCategoryTerms: Readonly<Record<string, readonly string[]>> = {
  民政: ['殡葬', '殡仪', '火化', '骨灰', '公墓', '墓地', '婚姻登记', '结婚登记', '离婚登记', '救助站', '乞讨', '社团登记', '村委会选举', '居委会选举', '烈士陵园'],
  政法: ['邪教', '贩毒', '拐卖', '刑讯逼供', '超期羁押', '出入境', '护照', '社区矫正', '减刑', '假释'],
  纪检监察: ['吃空饷', '监察委'],
  科技与信息产业: ['手机信号', '知识产权'],
};

export interface UnlabelledCategoryMention {
  category: string;
  term: string;
}

/** The first unlabelled-category term the text (title included) mentions, or null. */
export function unlabelledCategoryMention(text: string): UnlabelledCategoryMention | null {
  for (const [category, terms] of Object.entries(unlabelledCategoryTerms)) {
    const term = terms.find((t) => text.includes(t));
    if (term) return { category, term };
  }
  return null;
}
