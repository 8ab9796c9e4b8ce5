// runtime/signal — listeners hear in the order they started listening, stop when told, and a throwing listener either
// reaches the emitter (emit) or is reported while the others still hear (emitEach); one signal per owner object.
import { describe, expect, it } from 'vitest';
import { Signal, signalPer } from './signal.js';

describe('Signal', () => {
  it('calls listeners in the order they started listening, with the arguments emitted', () => {
    const s = new Signal<[string, number]>();
    const heard: string[] = [];
    s.listen((a, n) => heard.push(`first ${a}${n}`));
    s.listen((a, n) => heard.push(`second ${a}${n}`));
    s.emit('x', 1);
    expect(heard).toEqual(['first x1', 'second x1']);
    expect(s.size).toBe(2);
  });

  it('stops a listener when told, once, even when the same function listens twice', () => {
    const s = new Signal<[number]>();
    const heard: number[] = [];
    const fn = (n: number) => heard.push(n);
    const stopA = s.listen(fn);
    s.listen(fn);
    s.emit(1);
    stopA();
    stopA();
    s.emit(2);
    expect(heard).toEqual([1, 1, 2]);
    expect(s.size).toBe(1);
  });

  it('emit: the first throwing listener stops the rest and its error reaches the emitter', () => {
    const s = new Signal<[]>();
    const heard: string[] = [];
    s.listen(() => heard.push('a'));
    s.listen(() => {
      throw new Error('refused');
    });
    s.listen(() => heard.push('c'));
    expect(() => s.emit()).toThrow('refused');
    expect(heard).toEqual(['a']);
  });

  it('emitEach: a throwing listener is reported and the others still hear', () => {
    const s = new Signal<[string]>();
    const heard: string[] = [];
    const failed: unknown[] = [];
    s.listen(() => {
      throw new Error('broken');
    });
    s.listen((g) => heard.push(g));
    s.emitEach((err) => failed.push((err as Error).message), 'gw-1');
    expect(heard).toEqual(['gw-1']);
    expect(failed).toEqual(['broken']);
  });

  it('a listener that stops itself while hearing does not disturb the others of that emit', () => {
    const s = new Signal<[]>();
    const heard: string[] = [];
    const stop = s.listen(() => {
      heard.push('once');
      stop();
    });
    s.listen(() => heard.push('always'));
    s.emit();
    s.emit();
    expect(heard).toEqual(['once', 'always', 'always']);
  });

  it('refuses a listener that is not a function, naming what it got', () => {
    expect(() => new Signal<[]>().listen(undefined as unknown as () => void)).toThrow(/must be a function, not undefined/);
  });
});

describe('signalPer', () => {
  it('gives each owner its own signal, the same one every time', () => {
    const of = signalPer<object, [number]>();
    const a = {};
    const b = {};
    const heard: string[] = [];
    of(a).listen((n) => heard.push(`a${n}`));
    of(b).listen((n) => heard.push(`b${n}`));
    of(a).emit(1);
    expect(of(a)).toBe(of(a));
    expect(heard).toEqual(['a1']);
  });
});
