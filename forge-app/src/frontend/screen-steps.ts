/**
 * The admin's steps to put the fields on the projects' screens, shown after "Create the fields".
 * Jira refuses a value for a field that is not on the issue's screen, and shows a field only once it
 * is on one: the fields that "Create the fields" makes, and the app's own, are on none.
 */
export const APP_FIELD_NAMES = ['SLA state', 'SLA: first response due', 'SLA: resolution due', 'SLA tier'];

/** `fields`: the fields agents set, each with its id (e.g. Impact, customfield_10050). */
export function screenSteps(fields: { name: string; id: string }[]): string[] {
  const set = fields.length ? fields.map((f) => `${f.name} (${f.id})`).join(', ') : 'the fields you mapped above';
  return [
    `Company-managed projects: in Jira settings > Issues > Screens, open each screen the project's issue types use to create and to edit issues (Project settings > Screens names them), choose Configure, and add ${set}.`,
    `Add SLA Desk's own read-only fields (${APP_FIELD_NAMES.join(', ')}) to the screens that show the issue, so agents see them; they cannot edit them. "SLA next transition" need not be on any screen: SLA Desk alone reads it.`,
    `Team-managed projects: in Project settings > Issue types, open each issue type and drag ${fields.length ? fields.map((f) => f.name).join(', ') : 'the fields'} and SLA Desk's fields from the list of fields into the issue type. A team-managed project that does not offer them keeps its own fields: create drop-downs with the same options there, and give their ids above.`,
    'Check on an issue: the SLA Desk panel names any empty field the issue\'s edit screen lacks.',
  ];
}
