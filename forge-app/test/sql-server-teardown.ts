export { teardown as default } from './sql-server';
