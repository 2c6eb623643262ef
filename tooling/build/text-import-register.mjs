// Registers text-import-hook.mjs (see there); for `node --import` / `tsx --import`.
import { register } from 'node:module';

register('./text-import-hook.mjs', import.meta.url);
