export interface ReferenceSpec {
  zone: string;
  weekly: [number, number][][];
  holidays: string[];
}
export declare function isWorking(spec: ReferenceSpec, t: number): boolean;
export declare function due(spec: ReferenceSpec, start: number, minutes: number, pauses?: number[], horizonDays?: number): number;
export declare function workingBetween(spec: ReferenceSpec, a: number, b: number): number;
export declare function businessDays(spec: ReferenceSpec, start: number, n: number): number;
export declare const MIN: number;
