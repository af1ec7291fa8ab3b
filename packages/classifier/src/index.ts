export { defaultModelPath, loadModel, Model, type Classification, type ClassifierInput, type RankedCategory } from './model';
export { unlabelledCategoryMention, unlabelledCategoryTerms, type UnlabelledCategoryMention } from './unlabelled-categories';
