export * from '@ysh/common/alerts';
