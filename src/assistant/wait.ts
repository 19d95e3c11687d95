import type { InboxTeamView, TeamView } from '../protocol.js';
import type { BusinessHours } from './hours.js';

/**
 * What a visitor is told of the team, honestly: who is online, whether the team is within its
 * hours (and when it is next in, if not), and about how long a person takes to answer — the
 * visitors waiting before them and them, `minutesPerVisitor` each, shared by the operators
 * online, rounded up to a whole minute. No estimate when nobody is online to keep it.
 */
export function inboxTeamView(
  team: TeamView,
  { hours, waiting, minutesPerVisitor, now = new Date() }: { hours: BusinessHours | undefined; waiting: number; minutesPerVisitor: number; now?: Date },
): InboxTeamView {
  const open = hours ? hours.isOpen(now) : true;
  const view: InboxTeamView = { ...team, open };
  if (!open) {
    const next = hours!.nextOpening(now);
    if (next) view.nextOpening = next.toISOString();
    if (hours!.awayMessage) view.awayMessage = hours!.awayMessage;
  } else if (team.online > 0) {
    view.waitMinutes = Math.max(1, Math.ceil(((waiting + 1) * minutesPerVisitor) / team.online));
  }
  return view;
}
