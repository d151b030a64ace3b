export { inTransaction, msToIso, tsToMs, type Queryable } from '@ysh/common/db';
