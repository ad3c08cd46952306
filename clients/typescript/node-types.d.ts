// The generated fetch client names `BodyInit`, a type of TypeScript's DOM library. A
// project compiled for Node alone (no "DOM" in `lib`, as Agora's own) has the fetch API
// from @types/node but not that name: this gives it.
type BodyInit = NonNullable<RequestInit['body']>
