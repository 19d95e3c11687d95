/**
 * The strings of the rating asked for when a conversation is resolved; replace any of them
 * through the widget's `strings`. They come with chat-rating.js.
 */
export interface RatingStrings {
  /**
   * The question, when the chat sent none (`ratings.ask` on the server). Set through the
   * widget's `strings`, it is asked in place of the server's.
   */
  ratingAsk: string;
  /** Each score's label, 1 (worst) to 5 (best): read by screen readers, and shown once chosen. */
  ratingScore: (score: number) => string;
  /** The comment field's label. */
  ratingComment: string;
  /** The button that sends the rating. */
  ratingSend: string;
  /** Said once the rating was taken. */
  ratingThanks: string;
  /** Said when this resolution was already rated (in another tab, say). */
  ratingAlready: string;
  /** The rating could not be taken, or the chat did not answer. */
  ratingFailed: string;
}

const SCORES = ['very bad', 'bad', 'okay', 'good', 'very good'];

export const RATING_STRINGS: RatingStrings = {
  ratingAsk: 'How would you rate this conversation?',
  ratingScore: (score) => `${score} of 5, ${SCORES[score - 1]}`,
  ratingComment: 'Comment (optional)',
  ratingSend: 'Send rating',
  ratingThanks: 'Thank you for your rating.',
  ratingAlready: 'You already rated this conversation. Thank you.',
  ratingFailed: 'Your rating could not be sent. Try again.',
};
