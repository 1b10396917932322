// Roster keys (os_user) index the host state's plain objects (tombstones, ports). A plain
// object answers `constructor`, `toString` or `__proto__` from its prototype, so
// `state.tombstones['constructor']` is a function (truthy: "already offboarded"), and
// assigning `state.tombstones['__proto__'] = ...` replaces the prototype instead of adding
// a key. These helpers look at the object's OWN keys only and define keys as data
// properties, so any os_user the roster accepts is just a key.

/** obj[key] when it is the object's own key, else undefined (never the prototype's). */
export function own<T>(obj: Readonly<Record<string, T>>, key: string): T | undefined {
  return Object.hasOwn(obj, key) ? obj[key] : undefined;
}

/** obj[key] = value as an own data property (even for `__proto__`). */
export function setOwn<T>(obj: Record<string, T>, key: string, value: T): void {
  Object.defineProperty(obj, key, { value, writable: true, enumerable: true, configurable: true });
}

/** Removes an own key; a prototype's property of that name is left alone. */
export function deleteOwn<T>(obj: Record<string, T>, key: string): void {
  if (Object.hasOwn(obj, key)) delete obj[key];
}
