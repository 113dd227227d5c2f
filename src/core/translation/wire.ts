// The wire helpers live with the protocols, whose readers and writers use them (protocols/ sits below
// translation/); this keeps the older imports working.
export * from '../protocols/wire';
