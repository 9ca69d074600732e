import type { Browser, Page } from 'playwright-core';
export declare function browserPath(): string;
export declare const SDK_URL: string;
export declare function launch(): Promise<Browser>;
export declare function serve(root: string): Promise<{ url: string; close(): Promise<void> }>;
export declare function openSidebar(browser: Browser, siteUrl: string, seed: unknown, opts?: { now?: string; viewport?: { width: number; height: number }; init?: string; page?: string; proxy?: { secureSettings?: Record<string, string> | (() => Record<string, string>); domainWhitelist?: string[] }; before?: (page: Page) => Promise<unknown> }): Promise<Page>;
