// Entry point of the dashboard bundle: mounts the app into index.html's #app.
import { render } from 'preact';
import 'uplot/dist/uPlot.min.css';
import './styles.css';
import { App } from './app.js';

render(<App />, document.getElementById('app')!);
