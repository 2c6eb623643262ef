/**
 * Lambda's event filtering on Kafka record values, as documented.
 * https://docs.aws.amazon.com/lambda/latest/dg/invocation-eventfiltering.html (operators)
 * https://docs.aws.amazon.com/lambda/latest/dg/kafka-filtering.html (the `value` key, plain strings)
 */
import { compileFilter, FilterPatternError, passesFilters } from '../../tooling/offline-kafka/filter.ts';

const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const passes = (pattern: unknown, value: Buffer | null) => passesFilters([compileFilter(pattern)], value);

describe('event filtering on Kafka values', () => {
  it('matches equals, prefix, suffix, equals-ignore-case and anything-but on JSON fields', () => {
    const tweet = json({ usuario: '@SparkGuru', lang: 'es', texto: 'hola #Spark' });

    expect(passes({ value: { lang: ['es'] } }, tweet)).toBe(true);
    expect(passes({ value: { lang: ['en'] } }, tweet)).toBe(false);
    expect(passes({ value: { usuario: [{ prefix: '@Spark' }] } }, tweet)).toBe(true);
    expect(passes({ value: { texto: [{ suffix: '#Spark' }] } }, tweet)).toBe(true);
    expect(passes({ value: { lang: [{ 'equals-ignore-case': 'ES' }] } }, tweet)).toBe(true);
    expect(passes({ value: { lang: [{ 'anything-but': ['es', 'pt'] }] } }, tweet)).toBe(false);
  });

  it('matches numeric ranges, exists, null and empty, and nested fields (AND across keys, OR within)', () => {
    const record = json({ n: 5, empty: '', nothing: null, session: { duration: 162 } });

    expect(passes({ value: { n: [{ numeric: ['>', 0, '<=', 5] }] } }, record)).toBe(true);
    expect(passes({ value: { n: [{ numeric: ['<', 5] }] } }, record)).toBe(false);
    expect(passes({ value: { missing: [{ exists: false }], n: [{ exists: true }] } }, record)).toBe(true);
    expect(passes({ value: { nothing: [null], empty: [''] } }, record)).toBe(true);
    expect(passes({ value: { session: { duration: [{ numeric: ['>=', 100] }] } } }, record)).toBe(true);
    expect(passes({ value: { n: [1, 5] } }, record)).toBe(true);
    expect(passes({ value: { $or: [{ n: [1] }, { empty: [''] }] } }, record)).toBe(true);
  });

  it('matches a field holding an array when any element matches', () => {
    expect(passes({ value: { tags: ['#spark'] } }, json({ tags: ['#kafka', '#spark'] }))).toBe(true);
  });

  it('filters plain-string values with a plain-string pattern', () => {
    const pattern = { value: [{ 'anything-but': ['error'] }] };

    expect(passes(pattern, Buffer.from('error'))).toBe(false);
    expect(passes(pattern, Buffer.from('all good'))).toBe(true);
  });

  it('applies no value condition where the formats differ, or the value is not UTF-8, as the table says', () => {
    expect(passes({ value: { lang: ['es'] } }, Buffer.from('plain text'))).toBe(true);
    expect(passes({ value: ['error'] }, json({ lang: 'en' }))).toBe(true);
    expect(passes({ value: { lang: ['es'] } }, Buffer.from([0xff, 0xfe]))).toBe(true);
  });

  it('delivers a record when any of several filters matches', () => {
    const filters = [compileFilter('{"value":{"lang":["es"]}}'), compileFilter('{"value":{"lang":["pt"]}}')];

    expect(passesFilters(filters, json({ lang: 'pt' }))).toBe(true);
    expect(passesFilters(filters, json({ lang: 'en' }))).toBe(false);
  });

  it('rejects keys other than value and operators Lambda does not document, by name', () => {
    expect(() => compileFilter({ key: ['x'] })).toThrow(/key "key" cannot be filtered on/);
    expect(() => compileFilter({ value: { a: [{ wildcard: 'x*' }] } })).toThrow(FilterPatternError);
    expect(() => compileFilter({ value: { a: [{ numeric: ['!=', 1] }] } })).toThrow(/numeric/);
  });
});
