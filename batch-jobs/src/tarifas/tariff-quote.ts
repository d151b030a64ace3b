// The tariff quote types live in @ysh/common/domain (the admin API reads them too).
export type { TariffProvenance, TariffQuery, TariffQuote, TariffSource } from '@ysh/common/domain';
