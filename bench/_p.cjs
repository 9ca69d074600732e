const core=require('../core/dist/index'); const {loadPolicy}=require('../core/dist/presets'); const {timelines}=require('./generate.cjs');
const policy=loadPolicy('kiwi-stage-plus'); const list=[...timelines(100000,11)].map(t=>core.TimelineSchema.parse(t)); const now=Date.UTC(2026,10,20,15);
const inspector=require('inspector'); const fs=require('fs'); const ses=new inspector.Session(); ses.connect();
for (let i=0;i<list.length;i++) core.evaluate(policy,list[i],now);
ses.post('Profiler.enable',()=>ses.post('Profiler.start',()=>{
let s=0; const t0=Date.now(); for (let r=0;r<20;r++) for (let i=0;i<list.length;i++) s+=core.evaluate(policy,list[i],now+i).metrics.length;
console.log('evals/s', 2e6/((Date.now()-t0)/1000));
ses.post('Profiler.stop',(e,{profile:p})=>{
const self=new Map();const dt=p.timeDeltas;const idx=new Map(p.nodes.map((n)=>[n.id,n]));
const cnt=new Map(); p.samples.forEach((s,i)=>cnt.set(s,(cnt.get(s)||0)+(dt[i]||0)));
for(const [id,t] of cnt){const n=idx.get(id);const k=n.callFrame.functionName+' '+n.callFrame.url.split('/').pop()+':'+n.callFrame.lineNumber;self.set(k,(self.get(k)||0)+t);}
const tot=[...self.values()].reduce((a,b)=>a+b,0);
console.log([...self].sort((a,b)=>b[1]-a[1]).slice(0,28).map(([k,v])=>(100*v/tot).toFixed(1)+'% '+k).join('\n'))});}));
