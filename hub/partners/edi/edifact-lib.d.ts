// Types for the parts of the `edifact` package (node-edifact, plain CommonJS without typings) that dockgate uses.
declare module 'edifact/parser.js' {
  class Parser {
    constructor(validator?: unknown);
    onopensegment: (segment: string) => void;
    onclosesegment: () => void;
    onelement: () => void;
    oncomponent: (value: string) => void;
    encoding(level: string): void;
    write(chunk: string): void;
    end(): void;
  }
  export = Parser;
}
declare module 'edifact/validator.js' {
  class Validator {
    define(definitions: object): void;
  }
  export = Validator;
}
declare module 'edifact/segments.js' {
  const segments: object;
  export = segments;
}
declare module 'edifact/elements.js' {
  const elements: object;
  export = elements;
}
