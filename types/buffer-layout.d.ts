// The subset of buffer-layout's API that the codecs' layout declarations use.
declare module 'buffer-layout' {
  export class Layout<T = any> {
    span: number;
    property?: string;
    decode(b: Uint8Array, offset?: number): T;
    encode(src: T, b: Uint8Array, offset?: number): number;
    getSpan(b?: Uint8Array, offset?: number): number;
  }
  export class BitStructure<T = any> extends Layout<T> {
    addField(bits: number, property: string): unknown;
    addBoolean(property: string): unknown;
  }
  export function struct<T = any>(fields: Layout[], property?: string): Layout<T>;
  export function bits<T = any>(word: Layout<number>, msb?: boolean, property?: string): BitStructure<T>;
  export function blob(length: number, property?: string): Layout<Uint8Array>;
  export function seq<T>(element: Layout<T>, count: number, property?: string): Layout<T[]>;
  export function u8(property?: string): Layout<number>;
  export function u16be(property?: string): Layout<number>;
  export function u24be(property?: string): Layout<number>;
  export function u32be(property?: string): Layout<number>;
  export function u16(property?: string): Layout<number>;
  export function u32(property?: string): Layout<number>;
}
