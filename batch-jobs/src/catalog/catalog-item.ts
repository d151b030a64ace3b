// The catalog item type lives in @ysh/common/domain (the admin API reads it too).
export {
  CATALOG_ITEMS_TABLE,
  type CatalogItem,
  type CatalogKind,
  type InverterSpecs,
  type ModuleSpecs,
} from '@ysh/common/domain';
