// hub/dashboard/client — the ops console's entry: styles and the app into #app.
import { render } from 'preact';
import { App } from './app';
import './styles.css';

render(<App />, document.getElementById('app')!);
