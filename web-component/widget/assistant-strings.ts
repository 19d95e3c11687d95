/** The strings of the assistant and the hours; replace any of them through the widget's `strings`. */
export interface AssistantStrings {
  /** Beside the assistant's name on its messages. */
  assistantBadge: string;
  /** The first choice in an empty conversation. */
  choosePrompt: string;
  askAssistant: string;
  talkToPerson: string;
  /** How long a person takes, as the server estimates it. */
  personWait: (minutes: number) => string;
  /** Within hours with nobody online. */
  personSoon: string;
  /** Outside hours: when the team is back, in the visitor's own time. */
  backAt: (when: string) => string;
  /** The assistant's status line while it writes. */
  thinking: string;
  searching: string;
  writing: string;
  /** Above a reply's citations. */
  sources: string;
  /** Under a reply that stopped before it ended. */
  stopped: string;
}

export const ASSISTANT_STRINGS: AssistantStrings = {
  assistantBadge: 'AI',
  choosePrompt: 'Who would you like to talk to?',
  askAssistant: 'Ask the assistant',
  talkToPerson: 'Talk to a person',
  personWait: (minutes) => (minutes <= 1 ? 'A person usually answers within a minute' : `A person usually answers in about ${minutes} minutes`),
  personSoon: 'A person answers as soon as someone of the team is online',
  backAt: (when) => `The team is back ${when}`,
  thinking: 'Thinking…',
  searching: 'Searching…',
  writing: 'Writing…',
  sources: 'Sources',
  stopped: 'Stopped',
};
