/** The nurses' station page: one bundle, served by the gateway (no CDN, works with the hospital uplink down). */
import { render } from 'preact';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('app');
if (root) {
  root.textContent = '';
  render(<App />, root);
}
