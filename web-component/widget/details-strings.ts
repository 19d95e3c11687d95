/** The strings of the visitor's details form; replace any of them through the widget's `strings`. They come with chat-details.js. */
export interface DetailsStrings {
  detailsTitle: string;
  detailsIntro: string;
  /** Above the form when the host requires details before the first message. */
  detailsRequired: string;
  name: string;
  email: string;
  phone: string;
  phoneHint: string;
  saveDetails: string;
  detailsSaved: string;
}

export const DETAILS_STRINGS: DetailsStrings = {
  detailsTitle: 'Your details',
  detailsIntro: 'So we can get back to you.',
  detailsRequired: 'Please give your details before your first message.',
  name: 'Name',
  email: 'Email',
  phone: 'Phone (optional)',
  phoneHint: 'With country code, e.g. +44 20 7946 0958',
  saveDetails: 'Save details',
  detailsSaved: 'Details saved.',
};
