// runtime/signal — listeners hear in the order they started listening, stop when told, and a throwing listener either
// reaches the emitter (emit) or is reported while the others still hear (emitEach); one signal per owner object; a
// question takes the first answer (asking no one after it) or every answer, in the listeners' order.
import { describe, expect, it } from 'vitest';
import { Question, Signal, signalPer, stopAll } from './signal.js';

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

describe('Question', () => {
  it('first: the first answer in listening order, the listeners after it not asked; undefined when all pass', () => {
    const q = new Question<[number], string>();
    const asked: string[] = [];
    q.listen((n) => (asked.push('a'), n > 1 ? `a${n}` : undefined));
    q.listen((n) => (asked.push('b'), `b${n}`));
    q.listen(() => (asked.push('c'), 'c'));
    expect(q.first(1)).toBe('b1');
    expect(asked).toEqual(['a', 'b']);
    expect(q.first(2)).toBe('a2');
    expect(new Question<[], string>().first()).toBeUndefined();
  });

  it('all: every answer in listening order, passes left out; a throwing listener reaches the asker', () => {
    const q = new Question<[], { n: number }>();
    q.listen(() => ({ n: 1 }));
    q.listen(() => undefined);
    const stop = q.listen(() => ({ n: 3 }));
    expect(q.all()).toEqual([{ n: 1 }, { n: 3 }]);
    stop();
    expect(q.all()).toEqual([{ n: 1 }]);
    q.listen(() => {
      throw new Error('refused');
    });
    expect(() => q.all()).toThrow('refused');
    expect(() => q.listen(null as unknown as () => undefined)).toThrow(/Question.listen: a listener must be a function, not object/);
  });
});

describe('stopAll', () => {
  it('stops every listener it was given, once each', () => {
    const s = new Signal<[]>();
    const q = new Question<[], number>();
    let heard = 0;
    const stop = stopAll(
      s.listen(() => heard++),
      q.listen(() => 1),
    );
    stop();
    stop();
    s.emit();
    expect([heard, q.first(), s.size, q.size]).toEqual([0, undefined, 0, 0]);
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
