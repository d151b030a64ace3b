export declare const CLOUD_PACKAGES: readonly string[];
